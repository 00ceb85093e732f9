from datetime import date

import pytest

from unemployment_stats.models import DueDate
from unemployment_stats.periods import (
    Period,
    last_closed_period,
    parse_period,
    period_containing,
    periods_back,
    report_due_on,
)


def test_it_runs_the_report_month_from_the_21st_of_the_month_before_to_the_20th():
    period = period_containing(date(2026, 11, 5))
    assert (period.year, period.month) == (2026, 11)
    assert period.start == date(2026, 10, 21)
    assert period.end == date(2026, 11, 20)


def test_it_puts_the_20th_in_this_month_and_the_21st_in_the_next():
    assert period_containing(date(2026, 11, 20)) == Period(2026, 11)
    assert period_containing(date(2026, 11, 21)) == Period(2026, 12)
    assert period_containing(date(2026, 10, 21)) == Period(2026, 11)


def test_it_starts_january_of_the_next_year_on_december_21st():
    assert period_containing(date(2026, 12, 20)) == Period(2026, 12)
    january = period_containing(date(2026, 12, 21))
    assert january == Period(2027, 1)
    assert (january.start, january.end) == (date(2026, 12, 21), date(2027, 1, 20))
    assert Period(2027, 1).previous() == Period(2026, 12)
    assert Period(2026, 12).next() == Period(2027, 1)


def test_it_closes_a_period_on_the_21st():
    assert last_closed_period(date(2026, 11, 21)) == Period(2026, 11)
    assert last_closed_period(date(2026, 11, 20)) == Period(2026, 10)
    assert last_closed_period(date(2026, 12, 3)) == Period(2026, 11)


def test_it_reads_a_period_key_and_refuses_anything_else():
    assert parse_period("2026-11") == Period(2026, 11)
    assert parse_period("2026-13") is None
    assert parse_period("x") is None
    assert [p.key for p in periods_back(Period(2027, 2), 3)] == ["2026-12", "2027-01", "2027-02"]


@pytest.mark.django_db
def test_it_is_due_on_the_3rd_of_the_next_month_unless_ops_moved_the_deadline():
    assert report_due_on(Period(2026, 9)) == date(2026, 10, 3)
    assert report_due_on(Period(2026, 12)) == date(2027, 1, 3)
    DueDate.objects.create(year=2026, month=9, due_on=date(2026, 10, 9), note="国庆假期顺延")
    assert report_due_on(Period(2026, 9)) == date(2026, 10, 9)
    assert report_due_on(Period(2026, 10)) == date(2026, 11, 3)
