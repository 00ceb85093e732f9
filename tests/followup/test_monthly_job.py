"""The monthly follow-up job (notice 四: 每月开展1次跟踪调查): one follow-up per registration active on the month's
first day and registered before the month, due on its last working day; set-based, idempotent, safe to run late
and in parallel; run daily by beat (``followup.monthly``) and by hand."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from common.jobs import registered_jobs, run_job
from common.models import JobRun
from followup.models import Case, MonthlyFollowUp
from followup.services import followup_open_month
from registration.services import registration_end
from workdays.calendar import CalendarNotLoaded

from .factories import SH, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian):
    """Registrations of every kind for November 2026's run."""
    at = datetime(2026, 10, 12, 10, tzinfo=SH)
    regs = {
        "jiefang": registered(caseworker_jiefang, at=at, name="解放人"),
        "wenxian": registered(caseworker_wenxian, region="410825", at=at, name="温县人"),
        "ended_before": registered(caseworker_jiefang, at=at, name="十月注销"),
        "ended_after": registered(caseworker_jiefang, at=at, name="十一月注销"),
        "november": registered(
            caseworker_jiefang, at=datetime(2026, 11, 2, 10, tzinfo=SH), name="十一月登记"
        ),
    }
    registration_end(registration=regs["ended_before"], ended_on=date(2026, 10, 30))
    registration_end(registration=regs["ended_after"], ended_on=date(2026, 11, 2))
    return regs


def test_it_opens_one_followup_for_each_registration_active_on_the_first_and_registered_before(october):
    with time_machine.travel(datetime(2026, 11, 1, 1, tzinfo=SH), tick=False):
        assert followup_open_month(2026, 11) == 3
    opened = {
        f.case.registration.person.name: f
        for f in MonthlyFollowUp.objects.select_related("case__registration__person")
    }
    assert set(opened) == {"解放人", "温县人", "十一月注销"}  # every region: the job is the province's
    assert {(f.month, f.due_on, f.status) for f in opened.values()} == {
        (date(2026, 11, 1), date(2026, 11, 30), "open")
    }
    # The registrations nobody had touched got their case (responsible: who registered them).
    assert Case.objects.get(pk=october["wenxian"].pk).responsible == october["wenxian"].registered_by


def test_running_it_twice_opens_nothing_twice(october):
    assert followup_open_month(2026, 11) == 3
    assert followup_open_month(2026, 11) == 0
    assert MonthlyFollowUp.objects.count() == 3


def test_run_late_it_still_opens_the_month_for_whoever_was_active_on_the_first(october):
    # On the 3rd: "十一月注销" ended on 11-02 and is no longer active, but was on the 1st.
    with time_machine.travel(datetime(2026, 11, 3, 15, tzinfo=SH), tick=False):
        assert followup_open_month(2026, 11) == 3


def test_it_is_set_based_whatever_the_number_of_registrations(october):
    with CaptureQueriesContext(connection) as queries:
        followup_open_month(2026, 11)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2  # the missing cases, then the follow-ups: one INSERT … SELECT each
    assert all("SELECT" in sql for sql in inserts)
    assert "ON CONFLICT (case_id, month) DO NOTHING" in inserts[1]


def test_it_refuses_a_month_beyond_the_working_day_calendar(october):
    with pytest.raises(CalendarNotLoaded):
        followup_open_month(2027, 1)
    assert not MonthlyFollowUp.objects.exists()


def test_the_daily_job_opens_the_current_month_and_records_its_counts(october):
    assert registered_jobs()["followup.monthly"].schedule_text == "daily at 01:00"
    with time_machine.travel(
        datetime(2026, 11, 3, 1, tzinfo=SH), tick=False
    ):  # the run of the 1st was missed
        run = run_job("followup.monthly")
    assert run.status == JobRun.Status.SUCCEEDED
    # Cases for the three active registrations; follow-ups for those active on 11-01 and registered before.
    assert run.counts == {"cases_opened": 3, "followups_opened": 3}
    with time_machine.travel(datetime(2026, 11, 4, 1, tzinfo=SH), tick=False):
        assert run_job("followup.monthly").counts == {"cases_opened": 0, "followups_opened": 0}


def test_the_every_minute_sweep_opens_the_cases_of_new_registrations(caseworker_jiefang, office_jiefang):
    registration = registered(caseworker_jiefang)
    assert run_job("followup.open_cases").counts == {"opened": 1}
    assert Case.objects.get(pk=registration.pk).first_contact_at is None
    assert run_job("followup.open_cases").counts == {"opened": 0}


@pytest.mark.django_db(transaction=True)
def test_two_runs_in_parallel_open_each_followup_once(committed_db, caseworker_jiefang, office_jiefang):
    at = datetime(2026, 10, 12, 10, tzinfo=SH)
    regs = [registered(caseworker_jiefang, at=at, name=f"并行{i}") for i in range(20)]
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(followup_open_month(2026, 11))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results)[1] + sorted(results)[0] == 20  # between them, each opened once
    assert MonthlyFollowUp.objects.count() == 20
    assert set(MonthlyFollowUp.objects.values_list("case_id", flat=True)) == {r.pk for r in regs}
