"""Forms of the caseworkers' pages. They check the shape of input; the rules are in services.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codes.lookup import choices
from common.forms import FocusFirstMixin, PlainMessagesMixin, TableFileField, choice_field
from common.validators import (
    normalize_phone,
    validate_no_invisible_characters,
    validate_phone,
    validate_text_block,
)
from offices.models import Region
from offices.scoping import visible_regions
from offices.selectors import regions_with_offices

from .idnumbers import (
    birth_date_from_id,
    citizen_id_forms,
    is_valid_citizen_id,
    normalize_typed_number,
    validate_citizen_id,
    validate_social_security_number,
)
from .imports import COMPARISON_KINDS
from .models import CITIZEN_ID, Application, BundleRequest, RejectionReason, Verification
from .services import PersonData

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise


def _region_label(region: Region) -> str:
    return f"{region.name}（{region.code}）"


def _blank(label: StrOrPromise = "—") -> list[tuple[str, StrOrPromise]]:
    return [("", label)]


class RegionCodeField(forms.CharField):
    """A six-digit region code (GB/T 2260) typed by the user, cleaned to a Region. Any other length or
    character gets one message naming the field (no ``maxlength`` cutting a pasted code short)."""

    default_error_messages = {
        "unknown": _("行政区划代码“%(code)s”不存在，请填写6位县级代码"),
        "format": _("%(field)s应为6位数字，例如 410802"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "pattern": r"\d{6}", "autocomplete": "off"})

    def clean(self, value):
        code = normalize_typed_number(super().clean(value))
        if not code:
            return None
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(
                self.error_messages["format"], params={"field": self.label}, code="format"
            )
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(self.error_messages["unknown"], params={"code": code}, code="unknown")
        return region


class DocumentNumberField(forms.CharField):
    """A document number as typed, made comparable before anything else is checked (``normalize_typed_number``):
    spaces removed, also full-width ones and those between groups of digits; full-width digits and letters made
    half-width; upper case (a citizen ID's lowercase x, a passport's letters)."""

    def to_python(self, value):
        return normalize_typed_number(super().to_python(value) or "")


def check_citizen_id(form: forms.Form, field: str = "id_number") -> None:
    """Put the real problem of a citizen ID on ``field`` (length, characters, birth date, check character;
    GB 11643): for the forms whose ``id_type`` is the citizen ID, after the number was normalised."""
    data = form.cleaned_data
    if data.get("id_type") == CITIZEN_ID and data.get(field):
        try:
            validate_citizen_id(data[field])
        except ValidationError as exc:
            form.add_error(field, exc)


class LookupForm(PlainMessagesMixin, FocusFirstMixin, forms.Form):
    """Step 1 at the counter: the identity document, the only thing an applicant must show (二). The number is
    normalised (``DocumentNumberField``) and a citizen ID checked here, before the rest is filled in."""

    focus_field = "id_number"  # the document type is nearly always the citizen ID, preselected

    id_type = forms.ChoiceField(label=_("证件类型"), initial=CITIZEN_ID)
    id_number = DocumentNumberField(label=_("证件号码"), max_length=22)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "id_type").choices = choices("AAC058")
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self):
        super().clean()
        check_citizen_id(self)
        return self.cleaned_data

    def birth_date(self) -> date | None:
        """The birth date a valid citizen ID tells (None for other documents)."""
        data = self.cleaned_data
        if data.get("id_type") == CITIZEN_ID and data.get("id_number"):
            return birth_date_from_id(data["id_number"])
        return None


class ApplicationFormMixin:
    """Turns an application form's cleaned data into the arguments of ``services.application_submit``; shared
    by the counter form here and the online form (forms_public.py). Fields a form lacks count as blank."""

    cleaned_data: dict

    def applicant_birth_date(self) -> date | None:
        """After validation: the birth date the form tells, a valid citizen ID's own or else the date typed for
        another document; None when neither is known."""
        d = getattr(self, "cleaned_data", None) or {}
        if d.get("id_type") == CITIZEN_ID:
            number = d.get("id_number") or ""
            return birth_date_from_id(number) if is_valid_citizen_id(number) else None
        return d.get("birth_date")

    def person_data(self) -> PersonData:
        d = self.cleaned_data
        hukou = d.get("hukou_region")
        if hukou is None and d["id_type"] == "01":  # a citizen ID starts with the 户籍 address code
            hukou = Region.objects.filter(code=d["id_number"].strip()[:6]).first()
        return PersonData(
            id_type=d["id_type"],
            id_number=d["id_number"],
            name=d["name"],
            sex=d.get("sex") or "",
            birth_date=d.get("birth_date"),
            ethnicity=d.get("ethnicity") or "",
            education=d.get("education") or "",
            household_type=d.get("household_type") or "",
            hukou_region=hukou,
            residence_region=d.get("residence_region"),
            address=d.get("address") or "",
            phone=d.get("phone") or "",
            social_security_number=d.get("social_security_number") or "",
        )

    def application_kwargs(self) -> dict:
        """The application's own facts, including the categories served as registered unemployed (一)."""
        d = self.cleaned_data
        graduate = bool(d.get("is_graduate"))
        return {
            "basis": d["basis"],
            "region": d["region"],
            "commitment_accepted": bool(d.get("commitment_accepted")),
            "unemployment_reason": d.get("unemployment_reason") or "",
            "is_graduate": graduate,
            "graduate_school": (d.get("graduate_school") or "") if graduate else "",
            "graduation_date": d.get("graduation_date") if graduate else None,
            "draws_unemployment_subsidy": bool(d.get("draws_unemployment_subsidy")),
            "migrant_allowance": d.get("migrant_allowance") or "",
            "difficulty_category": d.get("difficulty_category") or "",
        }


class CounterApplicationForm(PlainMessagesMixin, FocusFirstMixin, ApplicationFormMixin, forms.Form):
    """Step 2 at the counter: the application. Only the document, name, region, basis and the signed commitment
    are required; nothing is to be uploaded (the five prohibitions, notice 二). A citizen ID tells sex and birth
    date: an invalid one shows only its own error. Another document may carry its social-security number
    (AAC002)."""

    focus_field = "name"  # the document comes from step 1

    id_type = forms.ChoiceField(label=_("证件类型"))
    id_number = DocumentNumberField(label=_("证件号码"), max_length=22)
    social_security_number = DocumentNumberField(
        label=_("社会保障号码"),
        max_length=18,
        required=False,
        help_text=_("仅用于居民身份证以外的证件（AAC002，可以字母开头）；居民身份证无需填写"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50, validators=[validate_no_invisible_characters])
    sex = forms.ChoiceField(label=_("性别"), required=False, help_text=_("公民身份号码可自动识别，无需填写"))
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("公民身份号码可自动识别，无需填写"),
    )
    phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, help_text=_("用于短信告知办理结果")
    )
    ethnicity = forms.ChoiceField(label=_("民族"), required=False)
    education = forms.ChoiceField(label=_("文化程度"), required=False)
    household_type = forms.ChoiceField(label=_("户口性质"), required=False)
    hukou_region = RegionCodeField(
        label=_("户籍地行政区划代码"), required=False, help_text=_("6位代码，默认取身份证号前6位")
    )
    residence_region = RegionCodeField(label=_("常住地行政区划代码"), required=False)
    address = forms.CharField(
        label=_("居住地址"), max_length=200, required=False, validators=[validate_no_invisible_characters]
    )
    basis = forms.ChoiceField(
        label=_("登记地类型"), choices=Application.Basis.choices, widget=forms.RadioSelect
    )
    region = forms.ModelChoiceField(label=_("登记地"), queryset=Region.objects.none(), to_field_name="code")
    unemployment_reason = forms.ChoiceField(label=_("失业原因"), required=False)
    is_graduate = forms.BooleanField(label=_("离校未就业高校毕业生"), required=False)
    graduate_school = forms.CharField(
        label=_("毕业院校"), max_length=100, required=False, validators=[validate_no_invisible_characters]
    )
    graduation_date = forms.DateField(
        label=_("毕业时间"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    draws_unemployment_subsidy = forms.BooleanField(label=_("领取失业补助金"), required=False)
    migrant_allowance = forms.ChoiceField(
        label=_("失业农民工生活补助"), choices=Application.MigrantAllowance.choices, required=False
    )
    difficulty_category = forms.ChoiceField(label=_("就业困难人员类别"), required=False)
    commitment_accepted = forms.BooleanField(
        label=_("申请人已阅读并签署告知承诺书"),
        required=False,
        help_text=_(
            "实行告知承诺制：申请人承诺所填信息真实，同意通过信息比对等方式核验；除身份证件外不要求提供其他证明材料"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "id_type").choices = choices("AAC058")
        choice_field(self, "sex").choices = _blank() + [c for c in choices("AAC004") if c[0] in ("1", "2")]
        choice_field(self, "ethnicity").choices = _blank() + choices("AAC005")
        choice_field(self, "education").choices = _blank() + choices("AAC011")
        choice_field(self, "household_type").choices = _blank() + choices("AAC009")
        choice_field(self, "unemployment_reason").choices = _blank() + choices("AJC093")
        choice_field(self, "difficulty_category").choices = _blank(_("不属于")) + choices("ADC310")
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = regions_with_offices().filter(pk__in=visible_regions(user))
        region.label_from_instance = _region_label  # type: ignore[method-assign,assignment]  # Django's hook
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["social_security_number"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )

    def clean_phone(self) -> str:
        """The same rule as the online form and the imports (common.validators.validate_phone)."""
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_phone(phone)
        return phone

    def clean_graduation_date(self):
        """Only graduates who have left school are served as registered unemployed (notice 一)."""
        graduated = self.cleaned_data["graduation_date"]
        if graduated and graduated > timezone.localdate():
            raise forms.ValidationError(
                _("毕业时间不能晚于今天（离校后才可按离校未就业高校毕业生登记）"), code="future"
            )
        return graduated

    def clean(self):
        super().clean()
        data = self.cleaned_data
        check_citizen_id(self)
        ssn = data.get("social_security_number")
        if ssn and data.get("id_type") == CITIZEN_ID:
            if "id_number" in data and ssn not in citizen_id_forms(data["id_number"]):
                self.add_error(
                    "social_security_number",
                    _("使用居民身份证时，社会保障号码即公民身份号码，无需另填"),
                )
        elif ssn:
            try:
                validate_social_security_number(ssn, sex=data.get("sex") or "")
            except ValidationError as exc:
                self.add_error("social_security_number", exc)
        if data.get("is_graduate") is False and (data.get("graduate_school") or data.get("graduation_date")):
            self.add_error("is_graduate", _("填写了毕业院校或毕业时间时，请勾选“离校未就业高校毕业生”"))
        return data


class RegisterForm(PlainMessagesMixin, forms.Form):
    note = forms.CharField(
        label=_("办理说明"), max_length=500, required=False, validators=[validate_text_block]
    )


class RejectForm(PlainMessagesMixin, forms.Form):
    """Only reasons of the closed list can be chosen; none of them is a reason the notice forbids. Reasons whose
    evidence is missing (``blocked``: reason → what is missing, services.rejection_blockers) are not offered."""

    reason = forms.ChoiceField(
        label=_("不予登记原因"), choices=_blank(_("请选择")) + list(RejectionReason.choices)
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=500,
        required=False,
        help_text=_("以“已享受养老保险待遇”或“已在其他地区登记”为由的，须写明如何得知"),
        validators=[validate_text_block],
    )

    def __init__(self, *args, blocked: Mapping[str, object] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = [(value, label) for value, label in RejectionReason.choices if value not in (blocked or {})]
        choice_field(self, "reason").choices = _blank(_("请选择")) + reasons


class WithdrawForm(PlainMessagesMixin, forms.Form):
    """Withdrawal at the applicant's own request: the reason is required. Its ids (``id_withdraw_reason``) differ
    from the other decision forms' on the same page."""

    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
        help_text=_("申请人本人如何提出撤回（窗口、电话等）及其说明"),
        error_messages={"required": _("请填写撤回原因（申请人本人要求撤回的情况）")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_withdraw_%s")
        super().__init__(*args, **kwargs)


class ManualVerificationForm(PlainMessagesMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("人工核查结果"),
        choices=[
            (Verification.Outcome.CONFIRMED, Verification.Outcome.CONFIRMED.label),
            (Verification.Outcome.DISCREPANCY, Verification.Outcome.DISCREPANCY.label),
        ],
    )
    detail = forms.CharField(
        label=_("核查情况"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
    )


class BundleOpenForm(PlainMessagesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("关联事项"), choices=BundleRequest.Kind.choices)
    note = forms.CharField(label=_("备注"), max_length=300, required=False, validators=[validate_text_block])


class BundleStatusForm(PlainMessagesMixin, forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=BundleRequest.Status.choices)
    note = forms.CharField(label=_("备注"), max_length=300, required=False, validators=[validate_text_block])


class PersonSearchForm(PlainMessagesMixin, forms.Form):
    q = forms.CharField(label=_("证件号码、姓名或电话"), max_length=50, required=False)


# ---- ops imports (the file's contents are checked by registration.imports) ----------------------------------


class ComparisonImportForm(PlainMessagesMixin, FocusFirstMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("数据类型"),
        choices=[(k.value, k.label) for k in COMPARISON_KINDS],
    )
    file = TableFileField()


class GraduatesImportForm(PlainMessagesMixin, FocusFirstMixin, forms.Form):
    file = TableFileField()
