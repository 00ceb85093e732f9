"""Forms of the applicant's public pages (no login): the online application and the progress query.

They check the shape of the input and give every bad field a Chinese message that names it; the rules (citizen
ID, duplicates, office, deadline) stay in ``registration.services``. Only the identity document, the name, where
to register and the signed commitment are required: nothing is uploaded and no other proof is asked for (the
five prohibitions, notice 二).
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from codes.lookup import choices
from common.forms import FocusFirstMixin, PlainMessagesMixin, choice_field
from common.validators import normalize_phone, validate_no_invisible_characters, validate_phone
from offices.models import Office, Region
from offices.selectors import regions_with_offices

from .forms import ApplicationFormMixin, DocumentNumberField, check_citizen_id
from .models import CITIZEN_ID, Application


class PublicForm(PlainMessagesMixin, FocusFirstMixin, forms.Form):
    """A form of the public pages: messages that name their field, over-long input refused with a message
    (``PlainMessagesMixin``, as on the staff pages), autofocus on the first field in error (``focus_first``)."""


# ---- where an application can be made ---------------------------------------------------------------
def deployment_province() -> Region | None:
    """The province this deployment serves (one deployment, one province: DESIGN.md "Architecture").

    ``settings.DEPLOYMENT_PROVINCE`` (a six-digit code such as "410000") when set; otherwise the province all
    active offices lie in. None if there is no office yet, or the offices span several provinces and no setting
    says which one is meant (then the list is not narrowed).
    """
    code = settings.DEPLOYMENT_PROVINCE
    if not code:
        codes = {
            path.split("/", 1)[0]
            for path in Office.objects.filter(is_active=True).values_list("region__path", flat=True)
        }
        if len(codes) != 1:
            return None
        code = codes.pop()
    return Region.objects.filter(code=code).first()


def region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Regions where an online application can be taken, grouped by city: ``[("焦作市", [("410800",
    "焦作市（本级）"), ("410802", "焦作市 · 解放区"), ...]), ...]``. Three or four queries for a whole province."""
    regions = list(
        regions_with_offices(deployment_province()).only("code", "name", "level", "path", "parent_id")
    )
    names = dict(
        Region.objects.filter(
            code__in={code for r in regions for code in r.path.split("/") if code}
        ).values_list("code", "name")
    )
    parents = {r.parent_id for r in regions}
    groups: dict[str, list[tuple[str, str]]] = {}
    for region in regions:
        chain = [code for code in region.path.split("/") if code]
        if len(chain) == 2 and region.level == Region.Level.COUNTY:
            shown = chain  # a district of a municipality: "北京市 · 东城区"
        else:
            shown = chain[1:] or chain  # the province's name is left out: it is the same for every choice
        if len(shown) == 1:
            label = _("%(name)s（本级）") % {"name": region.name} if region.code in parents else region.name
        else:
            label = " · ".join(names.get(code, code) for code in shown)
        groups.setdefault(names.get(shown[0], shown[0]), []).append((region.code, label))
    return list(groups.items())


# ---- the online application -------------------------------------------------------------------------
class OnlineApplicationForm(ApplicationFormMixin, PublicForm):
    """The applicant's own application (网上申请). Field names match the keys of the service's errors."""

    id_type = forms.ChoiceField(label=gettext_lazy("证件类型"), initial=CITIZEN_ID)
    id_number = DocumentNumberField(
        label=gettext_lazy("证件号码"),
        max_length=22,
        help_text=gettext_lazy("居民身份证请填写18位公民身份号码（末位X可用小写x）"),
    )
    name = forms.CharField(
        label=gettext_lazy("姓名"), max_length=50, validators=[validate_no_invisible_characters]
    )
    sex = forms.ChoiceField(
        label=gettext_lazy("性别"),
        required=False,
        help_text=gettext_lazy("仅使用其他证件时填写；居民身份证会自动识别"),
    )
    birth_date = forms.DateField(
        label=gettext_lazy("出生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("仅使用其他证件时填写；居民身份证会自动识别"),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=gettext_lazy("建议填写：办理结果将通过短信发送到此号码"),
    )
    address = forms.CharField(
        label=gettext_lazy("居住地址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    basis = forms.ChoiceField(
        label=gettext_lazy("登记地类型"),
        choices=Application.Basis.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("可在户籍地、常住地、就业地或参保地任选其一申请登记"),
    )
    region = forms.ChoiceField(
        label=gettext_lazy("登记地"),
        help_text=gettext_lazy("选择您要办理登记的县（市、区），由当地公共就业服务机构办理"),
    )
    unemployment_reason = forms.ChoiceField(label=gettext_lazy("失业原因"), required=False)
    is_graduate = forms.BooleanField(label=gettext_lazy("离校未就业高校毕业生"), required=False)
    graduate_school = forms.CharField(
        label=gettext_lazy("毕业院校"),
        max_length=100,
        required=False,
        validators=[validate_no_invisible_characters],
    )
    graduation_date = forms.DateField(
        label=gettext_lazy("毕业时间"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    draws_unemployment_subsidy = forms.BooleanField(label=gettext_lazy("正在领取失业补助金"), required=False)
    migrant_allowance = forms.ChoiceField(
        label=gettext_lazy("失业农民工生活补助"),
        choices=Application.MigrantAllowance.choices,
        required=False,
        initial="",
        widget=forms.RadioSelect,
    )
    commitment_accepted = forms.BooleanField(
        label=gettext_lazy("我已阅读并同意以上告知承诺"),
        error_messages={
            "required": gettext_lazy("请阅读告知承诺并勾选“我已阅读并同意以上告知承诺”（告知承诺）")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "id_type").choices = choices("AAC058")
        choice_field(self, "sex").choices = [("", _("—（请选择）"))] + choices("AAC004")
        choice_field(self, "unemployment_reason").choices = [("", _("—（可不填）"))] + choices("AJC093")
        choice_field(self, "region").choices = [("", _("—（请选择登记地）")), *region_choices()]
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})

    def clean_phone(self) -> str:
        """The counter's rule (common.validators.validate_phone), with its message."""
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_phone(phone)
        return phone

    def clean_region(self) -> Region:
        region = Region.objects.filter(code=self.cleaned_data["region"]).first()
        if region is None:  # a choice that disappeared between page and submit
            raise ValidationError(
                self.fields["region"].error_messages["invalid_choice"], code="invalid_choice"
            )
        return region

    def clean(self):
        super().clean()
        data = self.cleaned_data
        today = timezone.localdate()
        id_type = data.get("id_type")
        # The number is normalised already (DocumentNumberField: spaces, full-width characters, upper case for
        # every document, passport letters too: the progress query compares upper case).
        if id_type == CITIZEN_ID:
            check_citizen_id(self)
        elif id_type:  # another document: sex and birth date cannot be read from it
            if not data.get("sex") and "sex" not in self.errors:
                self.add_error("sex", _("使用居民身份证以外的证件时，请选择性别"))
            if not data.get("birth_date") and "birth_date" not in self.errors:
                self.add_error("birth_date", _("使用居民身份证以外的证件时，请填写出生日期"))
        if data.get("birth_date") and data["birth_date"] > today:
            self.add_error("birth_date", _("出生日期不能晚于今天"))
        if data.get("is_graduate") and data.get("graduation_date") and data["graduation_date"] > today:
            self.add_error(
                "graduation_date", _("毕业时间不能晚于今天（离校后才可按离校未就业高校毕业生登记）")
            )
        return data


# ---- the progress query -----------------------------------------------------------------------------
class ProgressQueryForm(PublicForm):
    """申请编号 + 证件号码: both must match one application; nothing is told about a partial match."""

    number = forms.CharField(
        label=gettext_lazy("申请编号"),
        max_length=20,
        help_text=gettext_lazy("提交申请后页面和短信中给出的编号，以 SQ 开头"),
    )
    id_number = DocumentNumberField(
        label=gettext_lazy("证件号码"),
        max_length=22,
        help_text=gettext_lazy("申请时填写的证件号码"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_number(self) -> str:
        return re.sub(r"[\s\u3000]", "", self.cleaned_data["number"]).upper()

    def initial_focus(self) -> str:
        """Coming from the confirmation page's link, the number is filled in already: start at the ID number."""
        return "id_number" if self.initial.get("number") and not self.is_bound else "number"
