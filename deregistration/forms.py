"""The exit form (only the codes offered for the person's streaks), the supervisor's return form and the form
that dismisses an exit proposal (不予注销)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codes.lookup import choices
from common.forms import FocusFirstMixin, PlainMessagesMixin, TableFileField, choice_field
from common.validators import validate_text_block

from .imports import EXIT_KINDS, KIND_LABELS
from .services import (
    DISMISS_REASON_MAX_LENGTH,
    FURTHER_CHECKS_MAX_LENGTH,
    REMARK_MAX_LENGTH,
    RETURN_COMMENT_MAX_LENGTH,
)


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
