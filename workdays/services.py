"""Writes to the working-day calendar. History of edits is kept by pghistory on CalendarDay."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from .models import CalendarDay
from .yeardata import build_year


@transaction.atomic
def calendar_load_year(
    *, year: int, holidays: dict[date, str], adjusted_workdays: dict[date, str], replace: bool = False
) -> int:
    """Load every day of ``year`` from the State Council's schedule; returns the number of days written.

    Refuses to overwrite a year that is already loaded unless ``replace`` is set (a correction), so a
    mistyped year cannot silently rewrite deadlines that were already computed from it.
    """
    days = build_year(year, holidays, adjusted_workdays)
    existing = CalendarDay.objects.filter(date__year=year)
    if existing.exists():
        if not replace:
            raise ValueError(_("%(year)s 年的工作日历已存在；如需更正请选择“覆盖”") % {"year": year})
        existing.delete()
    CalendarDay.objects.bulk_create([CalendarDay(date=d, kind=k, note=n) for d, k, n in days])
    return len(days)
