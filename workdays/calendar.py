"""Working-day arithmetic for every deadline of the notice (三: 3 working days to decide an application,
5 working days after registration to first contact).

Counting rule (DESIGN.md "Deadlines and working days"): the day of the triggering event is not counted; the
deadline is the end (23:59:59.999999, Asia/Shanghai) of the Nth working day after it. Submitted Monday
2026-11-23 with N=3 → due end of Thursday 2026-11-26; submitted on a Saturday → counting starts Monday.

    >>> add_workdays(date(2026, 11, 23), 3)
    datetime.date(2026, 11, 26)
    >>> deadline_at(date(2026, 11, 23), 3)
    datetime.datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))

The calendar lives in the database (``CalendarDay``); a question whose answer lies beyond the loaded
calendar raises ``CalendarNotLoaded`` rather than falling back to plain weekdays.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .models import CalendarDay

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time.max


class CalendarNotLoaded(LookupError):
    """The working-day calendar has no rows for the days a calculation needs (ops must load that year)."""

    def __init__(self, day: date):
        self.day = day
        super().__init__(
            _("工作日历未包含 %(day)s 所在年份，请运维人员先在“工作日历”中录入该年度的节假日安排")
            % {"day": day.isoformat()}
        )


def is_workday(day: date) -> bool:
    """True if ``day`` is a working day; raises CalendarNotLoaded for a day the calendar does not hold."""
    try:
        return CalendarDay.objects.values_list("is_workday", flat=True).get(date=day)
    except CalendarDay.DoesNotExist:
        raise CalendarNotLoaded(day) from None


def add_workdays(start: date, n: int) -> date:
    """The Nth working day after ``start`` (``start`` itself is not counted); ``n == 0`` returns ``start``.

    Two indexed queries: the Nth working day after ``start``, then a count proving that every day between
    ``start`` and it is in the calendar (a missing stretch would otherwise be skipped silently).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return start
    days = list(
        CalendarDay.objects.filter(date__gt=start, is_workday=True)
        .order_by("date")
        .values_list("date", flat=True)[n - 1 : n]
    )
    if not days:
        last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
        raise CalendarNotLoaded(max(start, last) + timedelta(days=1) if last else start)
    answer = days[0]
    loaded = CalendarDay.objects.filter(date__gt=start, date__lte=answer).count()
    if loaded != (answer - start).days:
        first_missing = _first_missing_day(start, answer)
        raise CalendarNotLoaded(first_missing)
    return answer


def deadline_at(start: date | datetime, n: int) -> datetime:
    """The moment a deadline of N working days after ``start`` expires: end of that day in Asia/Shanghai.

    ``start`` may be an aware datetime (the event's timestamp); its date is taken in Asia/Shanghai.
    """
    if isinstance(start, datetime):
        start = start.astimezone(SHANGHAI).date()
    return datetime.combine(add_workdays(start, n), END_OF_DAY, tzinfo=SHANGHAI)


def last_workday_of_month(year: int, month: int) -> date:
    """The last working day of ``month`` (the monthly follow-up is due by it, notice 四); raises
    CalendarNotLoaded unless every day of that month is in the calendar.

    >>> last_workday_of_month(2026, 9)  # Wednesday 09-30 (the National Day holiday starts on 10-01)
    datetime.date(2026, 9, 30)
    """
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    days = CalendarDay.objects.filter(date__gte=first, date__lt=after)
    if days.count() != (after - first).days:
        raise CalendarNotLoaded(_first_missing_day(first - timedelta(days=1), after - timedelta(days=1)))
    last = days.filter(is_workday=True).order_by("-date").values_list("date", flat=True).first()
    if last is None:  # a month without a working day does not exist in any official calendar
        raise CalendarNotLoaded(first)
    return last


def workdays_before(day: date, n: int) -> date:
    """The Nth working day before ``day`` (``day`` itself not counted): the inverse of ``add_workdays`` for
    thresholds. An event on a date before it has its N-working-day deadline passed by ``day``:
    ``add_workdays(d, n) < day`` exactly when ``d < workdays_before(day, n)``. Raises CalendarNotLoaded when the
    stretch is not all in the calendar."""
    if n < 1:
        raise ValueError("n must be >= 1")
    days = list(
        CalendarDay.objects.filter(date__lt=day, is_workday=True)
        .order_by("-date")
        .values_list("date", flat=True)[n - 1 : n]
    )
    if not days:
        first = CalendarDay.objects.order_by("date").values_list("date", flat=True).first()
        raise CalendarNotLoaded(min(day, first) - timedelta(days=1) if first else day)
    answer = days[0]
    if CalendarDay.objects.filter(date__gte=answer, date__lt=day).count() != (day - answer).days:
        raise CalendarNotLoaded(_first_missing_day(answer, day - timedelta(days=1)))
    return answer


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many working days have passed since ``start`` by ``end``."""
    if end <= start:
        return 0
    if CalendarDay.objects.filter(date__gt=start, date__lte=end).count() != (end - start).days:
        raise CalendarNotLoaded(_first_missing_day(start, end))
    return CalendarDay.objects.filter(date__gt=start, date__lte=end, is_workday=True).count()


def _first_missing_day(start: date, end: date) -> date:
    present = set(CalendarDay.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True))
    day = start + timedelta(days=1)
    while day in present:
        day += timedelta(days=1)
    return day
