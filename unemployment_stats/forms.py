"""Forms of the statistics pages: urban employed entry (ops), replacing a final report (supervisor), the callback
sample (supervisor)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import FocusFirstMixin, PlainMessagesMixin
from common.validators import validate_text_block

from .periods import Period, parse_period
from .services import REASON_LIMIT

PERIOD_FORMAT = _("报告月份应为“年-月”，例如 2026-11")
MAX_SAMPLE = 5000


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("help_text", _("例如 2026-11（统计期 2026-10-21 至 2026-11-20）"))
        super().__init__(**kwargs)

    def clean(self, value) -> Period:  # a Period, not the text
        text = super().clean(value)
        period = parse_period(text)
        if period is None:
            raise ValidationError(PERIOD_FORMAT, code="period")
        return period


class UrbanEmployedForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    region = forms.ChoiceField(label=_("行政区划"))
    period = PeriodField(label=_("报告月份"))
    employed = forms.IntegerField(
        label=_("城镇从业人员数（人）"),
        min_value=0,
        max_value=100_000_000,
        help_text=_("统计期末的城镇从业人员数；12月的数为年末数，当年未录入的月份使用上年末数"),
    )

    def __init__(self, *args, regions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]


class ReplaceForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    reason = forms.CharField(
        label=_("替换原因"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
        help_text=_("例如：上报后更正了错误的注销日期"),
    )


class CallbackForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    size = forms.IntegerField(label=_("样本量（人）"), min_value=1, max_value=MAX_SAMPLE, initial=200)
    seed = forms.IntegerField(
        label=_("随机种子"),
        min_value=0,
        max_value=2_147_483_647,
        help_text=_("记下种子：同一种子对同一数据抽出同样的样本，便于复核"),
    )
