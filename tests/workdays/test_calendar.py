"""Working-day arithmetic (notice 三: 3 working days to decide, 5 to first contact) over 2026's calendar."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from workdays.calendar import (
    CalendarNotLoaded,
    add_workdays,
    deadline_at,
    is_workday,
    last_workday_of_month,
    workdays_between,
)
from workdays.models import CalendarDay
from workdays.services import calendar_load_year

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_it_counts_three_working_days_from_a_monday_to_thursday():
    # DESIGN.md's own example: submitted Monday 2026-11-23, N=3 → due end of Thursday 2026-11-26.
    assert add_workdays(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_it_does_not_count_the_day_of_the_event():
    assert add_workdays(date(2026, 11, 23), 1) == date(2026, 11, 24)


def test_it_starts_counting_on_monday_for_a_saturday_submission():
    assert add_workdays(date(2026, 11, 21), 1) == date(2026, 11, 23)
    assert add_workdays(date(2026, 11, 21), 3) == date(2026, 11, 25)


def test_it_skips_the_national_day_holiday_and_counts_the_adjusted_saturday():
    # 2026: 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 are worked (调休).
    assert not is_workday(date(2026, 10, 1))
    assert not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 10, 10))
    assert is_workday(date(2026, 9, 20))
    # Wednesday 09-30 + 1 working day → Thursday 10-08 (the whole holiday skipped).
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # Thursday 10-08 + 3 → Fri 10-09, Sat 10-10 (调休), Mon 10-12.
    assert add_workdays(date(2026, 10, 8), 3) == date(2026, 10, 12)


def test_it_skips_the_spring_festival_and_counts_its_adjusted_saturdays():
    # 2026 Spring Festival: 02-15..02-23 off; Saturdays 02-14 and 02-28 worked.
    assert is_workday(date(2026, 2, 14))
    assert not is_workday(date(2026, 2, 16))
    assert is_workday(date(2026, 2, 28))
    # Friday 02-13 + 1 → Saturday 02-14 (调休).
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # Saturday 02-14 + 5 → 02-24, 25, 26, 27, 28 (Saturday, 调休).
    assert add_workdays(date(2026, 2, 14), 5) == date(2026, 2, 28)


def test_it_treats_an_ordinary_weekend_as_off_and_weekdays_as_on():
    assert not is_workday(date(2026, 11, 28))  # Saturday
    assert not is_workday(date(2026, 11, 29))  # Sunday
    assert is_workday(date(2026, 11, 27))  # Friday


def test_it_counts_five_working_days_for_first_contact_across_may_day():
    # 2026 Labour Day: 05-01..05-05 off; Saturday 05-09 worked. Registered Thursday 04-30:
    # 05-06, 05-07, 05-08, 05-09 (Saturday, 调休), 05-11.
    assert add_workdays(date(2026, 4, 30), 4) == date(2026, 5, 9)
    assert add_workdays(date(2026, 4, 30), 5) == date(2026, 5, 11)


def test_it_puts_the_deadline_at_the_end_of_the_day_in_shanghai():
    due = deadline_at(date(2026, 11, 23), 3)
    assert due == datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=SH)


def test_it_takes_the_shanghai_date_of_an_aware_timestamp():
    # 2026-11-22 17:30 UTC is already Monday 2026-11-23 01:30 in Shanghai.
    submitted = datetime(2026, 11, 22, 17, 30, tzinfo=ZoneInfo("UTC"))
    assert deadline_at(submitted, 3).date() == date(2026, 11, 26)


def test_it_refuses_to_guess_beyond_the_loaded_calendar():
    with pytest.raises(CalendarNotLoaded) as exc:
        add_workdays(date(2026, 12, 30), 3)
    assert exc.value.day == date(2027, 1, 1)
    assert "工作日历未包含" in str(exc.value)
    with pytest.raises(CalendarNotLoaded):
        is_workday(date(2027, 1, 4))


def test_it_refuses_to_skip_a_missing_stretch_inside_the_calendar():
    CalendarDay.objects.filter(date=date(2026, 11, 24)).delete()
    with pytest.raises(CalendarNotLoaded) as exc:
        add_workdays(date(2026, 11, 23), 3)
    assert exc.value.day == date(2026, 11, 24)


def test_it_counts_working_days_between_two_dates():
    assert workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert workdays_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


def test_it_returns_the_start_for_zero_days_and_rejects_negative_counts():
    assert add_workdays(date(2026, 11, 23), 0) == date(2026, 11, 23)
    with pytest.raises(ValueError):
        add_workdays(date(2026, 11, 23), -1)


def test_it_loads_a_new_year_entered_by_ops_and_then_answers_for_it():
    # 2027 as it might be published: New Year 01-01..01-03 off, Sunday 01-10 worked (illustrative).
    count = calendar_load_year(
        year=2027,
        holidays={date(2027, 1, 1): "元旦", date(2027, 1, 2): "元旦", date(2027, 1, 3): "元旦"},
        adjusted_workdays={date(2027, 1, 10): "元旦"},
    )
    assert count == 365
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert is_workday(date(2027, 1, 10))
    assert CalendarDay.objects.get(date=date(2027, 1, 10)).kind == CalendarDay.Kind.ADJUSTED_WORKDAY


def test_it_refuses_to_overwrite_a_loaded_year_unless_asked():
    with pytest.raises(ValueError):
        calendar_load_year(year=2026, holidays={}, adjusted_workdays={})
    assert not is_workday(date(2026, 10, 1))
    calendar_load_year(year=2026, holidays={}, adjusted_workdays={}, replace=True)
    assert is_workday(date(2026, 10, 1))


def test_it_derives_the_workday_flag_from_the_kind_in_the_database():
    day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert day.kind == CalendarDay.Kind.HOLIDAY and day.is_workday is False
    day.kind = CalendarDay.Kind.WORKDAY
    day.save()
    day.refresh_from_db()
    assert day.is_workday is True


def test_it_holds_every_year_the_package_knows():
    years = {d.year for d in CalendarDay.objects.dates("date", "year")}
    assert set(range(2004, 2027)) <= years
    assert CalendarDay.objects.filter(date__year=2026).count() == 365


def test_it_finds_the_last_working_day_of_a_month():
    assert last_workday_of_month(2026, 9) == date(2026, 9, 30)  # Wednesday, before the National Day holiday
    assert last_workday_of_month(2026, 10) == date(2026, 10, 30)  # Saturday 10-31 is off
    assert last_workday_of_month(2026, 12) == date(2026, 12, 31)


def test_the_last_working_day_of_a_month_can_be_an_adjusted_saturday():
    # 2026: Saturday 02-28 is worked (调休 after the Spring Festival).
    assert CalendarDay.objects.get(date=date(2026, 2, 28)).kind == CalendarDay.Kind.ADJUSTED_WORKDAY
    assert last_workday_of_month(2026, 2) == date(2026, 2, 28)


def test_it_refuses_the_last_working_day_of_a_month_beyond_the_calendar():
    with pytest.raises(CalendarNotLoaded) as exc:
        last_workday_of_month(2027, 1)
    assert exc.value.day == date(2027, 1, 1)


def test_it_refuses_a_month_the_calendar_holds_only_in_part():
    CalendarDay.objects.filter(date=date(2026, 12, 15)).delete()
    with pytest.raises(CalendarNotLoaded) as exc:
        last_workday_of_month(2026, 12)
    assert exc.value.day == date(2026, 12, 15)
