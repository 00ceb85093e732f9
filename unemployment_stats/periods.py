"""The monthly reporting period (三 调整统计制度): from the 21st of the previous month to the 20th of the report
month. Report month 2026-11 is 2026-10-21 … 2026-11-20; the 21st of December starts January of the next year.

    period = period_containing(date(2026, 12, 21))   # Period(2027, 1): 2026-12-21 … 2027-01-20
    period.start, period.end, period.previous(), period.key  # "2027-01"
    report_due_on(period)                               # 2027-02-03, or ops' override (DueDate)

The report is due within the first 3 days of the following month (the 3rd by default); the real deadline of a
month can be moved by ops (``DueDate``, admin: 上报截止日期), as first deadlines were (e.g. 10月9日 after the
National Day holiday).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

FIRST_DAY = 21  # a period starts on the 21st of the month before the report month
DEFAULT_DUE_DAY = 3  # and is reported by the 3rd of the month after it

_KEY = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """Report month ``year``-``month``: ``start`` (the 21st of the month before) to ``end`` (the 20th), both
    included."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} out of range")

    @property
    def start(self) -> date:
        previous = self.previous()
        return date(previous.year, previous.month, FIRST_DAY)

    @property
    def end(self) -> date:
        return date(self.year, self.month, FIRST_DAY - 1)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def default_due_on(self) -> date:
        following = self.next()
        return date(following.year, following.month, DEFAULT_DUE_DAY)

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous_year_end(self) -> Period:
        """December of the year before (十: the figure used when a month has no urban employed of its own)."""
        return Period(self.year - 1, 12)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月（{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}）"


def period_containing(day: date) -> Period:
    """The report period ``day`` falls in: the 21st and later belong to the next month's report."""
    if day.day >= FIRST_DAY:
        return Period(day.year + 1, 1) if day.month == 12 else Period(day.year, day.month + 1)
    return Period(day.year, day.month)


def last_closed_period(today: date) -> Period:
    """The latest period whose last day is before ``today`` (on the 21st: the one that ended yesterday)."""
    return period_containing(today).previous()


def parse_period(key: str) -> Period | None:
    """``"2026-11"`` → Period(2026, 11); None for anything else."""
    match = _KEY.match(key or "")
    if not match:
        return None
    try:
        return Period(int(match.group(1)), int(match.group(2)))
    except ValueError:
        return None


def periods_back(last: Period, n: int) -> list[Period]:
    """The ``n`` periods ending with ``last``, oldest first."""
    out = [last]
    while len(out) < n:
        out.append(out[-1].previous())
    return out[::-1]


def days(period: Period) -> Iterator[date]:
    day = period.start
    while day <= period.end:
        yield day
        day += timedelta(days=1)


def report_due_on(period: Period) -> date:
    """The day the report of ``period`` is due: ops' override for that month (``DueDate``) or the 3rd."""
    from .models import DueDate  # the models import this module

    override = DueDate.objects.filter(year=period.year, month=period.month).values_list("due_on", flat=True)
    return next(iter(override), period.default_due_on)
