"""The exit form (only the codes offered for the person's streaks), the supervisor's return form, the form
that dismisses an exit proposal (不予注销), the supervisor's cancel and transfer forms and the exits list's
filters."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codes.lookup import choices
from common.forms import FocusFirstMixin, PlainMessagesMixin, TableFileField, choice_field
from common.validators import validate_text_block
from offices.models import Office, User
from offices.scoping import scope_by_region
from registration.models import Registration
from registration.services import TRANSFER_REASON_MAX_LENGTH

from .imports import EXIT_KINDS, KIND_LABELS
from .models import ExitStatus
from .services import (
    CANCEL_REASON_MAX_LENGTH,
    DISMISS_REASON_MAX_LENGTH,
    FURTHER_CHECKS_MAX_LENGTH,
    REMARK_MAX_LENGTH,
    RETURN_COMMENT_MAX_LENGTH,
)

DATES_REVERSED = _("起始日期不能晚于截止日期")


class ExitForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    code = forms.ChoiceField(label=_("注销原因"))
    deregistered_on = forms.DateField(
        label=_("注销日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
        help_text=_("不能晚于今天，不能早于登记日期"),
    )
    remark = forms.CharField(
        label=_("备注"),
        max_length=REMARK_MAX_LENGTH,
        required=False,
        help_text=_("注销原因为“其他”时必填，最多100个字符"),
    )
    further_checks = forms.CharField(
        label=_("进一步核实情况"),
        max_length=FURTHER_CHECKS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text_block],
        help_text=_(
            "以“连续3次拒绝接受公共就业服务”或“连续6个月无法取得联系”注销时必填：入户走访、其他联系方式、信息比对等"
        ),
    )

    def __init__(self, *args, offered: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "code").choices = [("", "---------")] + [
            (code, f"{code} {text}") for code, text in choices("AJC00A") if code in offered
        ]


class ReturnForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    comment = forms.CharField(
        label=_("退回意见"),
        max_length=RETURN_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
    )


class DismissForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    reason = forms.CharField(
        label=_("不予注销的理由"),
        max_length=DISMISS_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
    )


class ExitImportForm(PlainMessagesMixin, FocusFirstMixin, forms.Form):
    """The upload of a list that proposes exits (pension awards, deaths, school or enlistment, prison)."""

    kind = forms.ChoiceField(label=_("名单类型"))
    file = TableFileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [("", "---------")] + [
            (kind, KIND_LABELS[kind]) for kind in EXIT_KINDS
        ]


class CancelForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    """撤销注销: a supervisor's reason (the registration becomes active again)."""

    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
    )


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Office) -> str:
        return f"{obj.name}（{obj.region.name}）"


class TransferForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    """转移: to another active office of the registration's province (``registration_transfer`` checks again)."""

    to_office = OfficeChoiceField(
        label=_("转入机构"), queryset=Office.objects.none(), empty_label=_("请选择转入机构")
    )
    reason = forms.CharField(
        label=_("转移原因"),
        max_length=TRANSFER_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
        help_text=_("例如：本人常住地变更"),
    )

    def __init__(self, *args, registration: Registration, **kwargs):
        super().__init__(*args, **kwargs)
        province = registration.region.path.split("/", 1)[0]
        field = self.fields["to_office"]
        assert isinstance(field, OfficeChoiceField)
        field.queryset = (
            Office.objects.filter(is_active=True, region__path__startswith=f"{province}/")
            .exclude(pk=registration.office_id)
            .select_related("region")
            .order_by("region__path", "code")
        )


class ExitFilterForm(PlainMessagesMixin, forms.Form):
    """The filters of the exits list; all optional, none of them a document number (a GET is fine)."""

    date_from = forms.DateField(
        label=_("注销日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(label=_("注销原因"), required=False)
    office = OfficeChoiceField(
        label=_("登记机构"), queryset=Office.objects.none(), required=False, empty_label=_("全部")
    )
    status = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "reason").choices = [("", _("全部"))] + [
            (code, f"{code} {text}") for code, text in choices("AJC00A")
        ]
        choice_field(self, "status").choices = [("", _("全部")), *ExitStatus.choices]
        field = self.fields["office"]
        assert isinstance(field, OfficeChoiceField)
        field.queryset = scope_by_region(Office.objects.select_related("region"), user).order_by(
            "region__path", "code"
        )

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return data
