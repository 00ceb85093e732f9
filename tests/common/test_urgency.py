"""One urgency definition for every worklist (common.urgency): overdue once the due time has passed, due today
when it falls due later today (Asia/Shanghai); for a due date, overdue from the next day, due today on the day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from common.models import JobRun
from common.urgency import DUE_FILTERS, Urgency, counts, filter_due, urgency, urgency_counts
from workdays.models import CalendarDay

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=SH)


def test_it_marks_a_due_time_overdue_or_due_today():
    assert urgency(datetime(2026, 11, 25, 13, 59, tzinfo=SH), NOW) == Urgency(overdue=True, due_today=False)
    assert urgency(datetime(2026, 11, 25, 23, 59, tzinfo=SH), NOW) == Urgency(overdue=False, due_today=True)
    assert urgency(datetime(2026, 11, 26, 0, 0, tzinfo=SH), NOW) == Urgency(overdue=False, due_today=False)
    # 23:00 UTC on the 25th is already the 26th in Shanghai: not today.
    assert urgency(datetime(2026, 11, 25, 23, 0, tzinfo=ZoneInfo("UTC")), NOW).due_today is False


def test_it_marks_a_due_date_by_the_day():
    assert urgency(date(2026, 11, 24), NOW) == Urgency(overdue=True, due_today=False)
    assert urgency(date(2026, 11, 25), NOW) == Urgency(overdue=False, due_today=True)
    assert urgency(date(2026, 11, 26), NOW) == Urgency(overdue=False, due_today=False)


@pytest.mark.django_db
def test_it_counts_and_filters_a_queryset_by_a_moment_field():
    for hour in (9, 13, 15, 20):  # two past, two later today
        JobRun.objects.create(job="t", started_at=datetime(2026, 11, 25, hour, tzinfo=SH))
    JobRun.objects.create(job="t", started_at=datetime(2026, 11, 26, 9, tzinfo=SH))
    runs = JobRun.objects.filter(job="t")
    assert counts(runs, NOW, "started_at") == {"total": 5, "overdue": 2, "due_today": 2}
    assert filter_due(runs, "overdue", NOW, "started_at").count() == 2
    assert filter_due(runs, "today", NOW, "started_at").count() == 2
    assert filter_due(runs, "", NOW, "started_at").count() == 5
    assert filter_due(runs, "anything", NOW, "started_at").count() == 5
    per_job = runs.values("job").annotate(**urgency_counts(NOW, "started_at"))
    assert list(per_job) == [{"job": "t", "total": 5, "overdue": 2, "due_today": 2}]
    assert DUE_FILTERS == ("overdue", "today")


@pytest.mark.django_db
def test_it_counts_a_queryset_by_a_date_field():
    days = CalendarDay.objects.filter(date__gte=date(2026, 11, 23), date__lte=date(2026, 11, 27))
    assert counts(days, NOW, "date") == {"total": 5, "overdue": 2, "due_today": 1}
    assert list(filter_due(days, "today", NOW, "date").values_list("date", flat=True)) == [date(2026, 11, 25)]
