from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.forms import PlainMessagesMixin

from .models import CalendarDay
from .services import calendar_load_year
from .yeardata import parse_date_lines


def _parse_dates(text: str, field: str) -> dict[date, str]:
    try:
        return parse_date_lines(text)
    except ValueError as exc:
        raise forms.ValidationError(f"{field}：{exc}") from None


class LoadYearForm(PlainMessagesMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    holidays = forms.CharField(
        label=_("放假日期"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("每行一个日期，可在空格后写节日名称，例如：2027-01-01 元旦"),
    )
    adjusted_workdays = forms.CharField(
        label=_("调休上班日期"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("周末调休上班的日期，每行一个，例如：2027-02-07 春节"),
    )
    replace = forms.BooleanField(label=_("覆盖已有年度（更正）"), required=False)

    def clean_holidays(self):
        return _parse_dates(self.cleaned_data["holidays"], str(self.fields["holidays"].label))

    def clean_adjusted_workdays(self):
        return _parse_dates(
            self.cleaned_data.get("adjusted_workdays") or "", str(self.fields["adjusted_workdays"].label)
        )

    def clean(self):
        data = super().clean() or {}
        year = data.get("year")
        for key in ("holidays", "adjusted_workdays"):
            label = self.fields[key].label
            for d in data.get(key) or {}:
                if year and d.year != year:
                    self.add_error(
                        key, _("%(label)s %(d)s 不在 %(year)s 年") % {"label": label, "d": d, "year": year}
                    )
        both = set(data.get("holidays") or {}) & set(data.get("adjusted_workdays") or {})
        if both:
            self.add_error(
                "adjusted_workdays",
                _("这些日期同时填在放假和调休上班中：%s") % ", ".join(map(str, sorted(both))),
            )
        return data


WORKDAY_LABELS = {True: _("工作日"), False: _("休息日")}


class WorkdayFilter(admin.SimpleListFilter):
    title = _("工作日/休息日")
    parameter_name = "workday"

    def lookups(self, request, model_admin):
        return [("1", WORKDAY_LABELS[True]), ("0", WORKDAY_LABELS[False])]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(is_workday=self.value() == "1")
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Ops check and correct single days here, and load a new year when the State Council publishes it."""

    list_display = ["date", "weekday", "kind", "day_type", "note"]
    list_filter = ["kind", WorkdayFilter]
    date_hierarchy = "date"
    search_fields = ["note"]
    fields = ["date", "kind", "note"]
    change_list_template = "admin/workdays/calendarday/change_list.html"

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "D")

    @admin.display(description=_("工作日/休息日"), ordering="is_workday")
    def day_type(self, obj: CalendarDay) -> str:
        return str(WORKDAY_LABELS[obj.is_workday])

    def changelist_view(self, request, extra_context=None):
        """Open at the current year (not at 2004, the first the calendar knows) unless a filter is chosen."""
        if not request.GET:
            return redirect(f"{request.path}?date__year={timezone.localdate().year}")
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request, obj=None):
        return ["date"] if obj else []

    def get_urls(self):
        return [
            path(
                "load-year/",
                self.admin_site.admin_view(self.load_year_view),
                name="workdays_calendarday_load_year",
            ),
            *super().get_urls(),
        ]

    def load_year_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LoadYearForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = calendar_load_year(
                    year=form.cleaned_data["year"],
                    holidays=form.cleaned_data["holidays"],
                    adjusted_workdays=form.cleaned_data["adjusted_workdays"],
                    replace=form.cleaned_data["replace"],
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("已载入 %(year)s 年工作日历，共 %(n)d 天")
                    % {"year": form.cleaned_data["year"], "n": count},
                )
                return redirect(
                    reverse("admin:workdays_calendarday_changelist")
                    + f"?date__year={form.cleaned_data['year']}"
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("载入年度工作日历"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/workdays/calendarday/load_year.html", context)
