"""One definition of each clock and the escalation sweep, with frozen time across the National Day week 2026
(10-01 … 10-07 off; Thursday 10-08 back at work, Saturday 10-10 an adjusted working day): an application submitted
on Tuesday 09-29 is due at the end of the 3rd working day after it (09-30, 10-08, 10-09), Friday 10-09; it is due
soon from 09-30 (2 working days ahead), due today on 10-09, overdue from Saturday 10-10, and overdue by more than
2 working days (10-10, 10-12), city level, from Tuesday 10-13."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from common.jobs import run_job
from common.models import JobRun
from common.urgency import DUE_SOON, DUE_TODAY, ON_TIME, OVERDUE, due_soon_until, state_counts, urgency
from deadlines import jobs as deadline_jobs
from deadlines.models import Alert, AlertLevel, AlertRecipient
from deadlines.services import Thresholds, alerts_sweep
from offices.roles import Role
from portal.plugins import clocks
from registration.models import Application
from tests.conftest import make_staff
from tests.registration.factories import submit
from workdays.calendar import workdays_before

from .helpers import SH

pytestmark = pytest.mark.django_db

SUBMITTED = datetime(2026, 9, 29, 10, 0, tzinfo=SH)


@pytest.fixture
def supervisor_jiefang(office_jiefang):
    return make_staff("sup_jiefang", office_jiefang, Role.SUPERVISOR, handler_name="钱主管")


@pytest.fixture
def application(caseworker_jiefang):
    with time_machine.travel(SUBMITTED, tick=False):
        return submit(user=caseworker_jiefang)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def state(app: Application, now: datetime) -> str:
    with time_machine.travel(now, tick=False):
        return urgency(app.due_at, now, soon_until=due_soon_until(now)).state


def test_it_counts_an_application_before_the_national_day_week_on_working_days(application):
    assert timezone.localtime(application.due_at).date() == date(2026, 10, 9)  # 09-30, 10-08, 10-09
    assert state(application, at(2026, 9, 29, 14)) == ON_TIME  # due soon ends with 10-08
    assert state(application, at(2026, 9, 30, 12)) == DUE_SOON  # 2 working days ahead: 10-08, 10-09
    assert state(application, at(2026, 10, 5, 12)) == DUE_SOON  # a holiday: still 2 working days ahead
    assert state(application, at(2026, 10, 9, 12)) == DUE_TODAY
    assert state(application, at(2026, 10, 10, 0, 1)) == OVERDUE  # the adjusted Saturday


def test_the_counts_of_a_queryset_agree_with_the_state_of_each_item(application):
    now = at(2026, 9, 30, 12)
    with time_machine.travel(now, tick=False):
        pending = Application.objects.filter(pk=application.pk)
        assert state_counts(pending, now, "due_at") == {
            "total": 1,
            "overdue": 0,
            "due_today": 0,
            "due_soon": 1,
            "on_time": 0,
        }


def test_the_city_level_starts_after_more_than_two_working_days_overdue():
    # Due on Friday 10-09: overdue on Saturday 10-10 (1) and Monday 10-12 (2); more than 2 on Tuesday.
    assert workdays_before(date(2026, 10, 12), 2) == date(2026, 10, 9)  # 10-09 is not before it: not yet
    assert workdays_before(date(2026, 10, 13), 2) == date(2026, 10, 10)  # 10-09 is before it: escalated


def test_every_stage_declares_its_clocks_once():
    assert set(clocks()) >= {
        "registration.decision",
        "followup.first_contact",
        "followup.monthly",
        "deregistration.approval",
    }


def sweep(now: datetime) -> dict:
    with time_machine.travel(now, tick=False):
        return alerts_sweep()


def alerts_of(app: Application) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for a in Alert.objects.filter(clock="registration.decision", item=str(app.pk)).prefetch_related(
        "recipients__user"
    ):
        found[a.level] = sorted(r.user.username for r in a.recipients.all())
    return found


def test_the_sweep_alerts_once_per_level_and_escalates_to_the_city(
    application, caseworker_jiefang, supervisor_jiefang, supervisor_jiaozuo
):
    assert sweep(at(2026, 9, 29, 15)).get(AlertLevel.DUE_SOON, 0) == 0
    assert alerts_of(application) == {}

    # Due soon: the caseworker who took it.
    assert sweep(at(2026, 9, 30, 9, 15))[AlertLevel.DUE_SOON] == 1
    assert alerts_of(application) == {AlertLevel.DUE_SOON: ["cw_jiefang"]}
    assert sweep(at(2026, 9, 30, 9, 30)).get(AlertLevel.DUE_SOON, 0) == 0  # nothing twice

    # Overdue from Saturday 10-10: the supervisors of the county (the nearest level that has any), not the city's.
    sweep(at(2026, 10, 9, 23, 45))
    assert AlertLevel.OVERDUE not in alerts_of(application)
    assert sweep(at(2026, 10, 10, 0, 15))[AlertLevel.OVERDUE] == 1
    assert alerts_of(application)[AlertLevel.OVERDUE] == ["sup_jiefang"]

    # Not yet the city on Monday 10-12 (2 working days overdue); on Tuesday, the city's supervisors.
    sweep(at(2026, 10, 12, 16))
    assert AlertLevel.ESCALATED not in alerts_of(application)
    assert sweep(at(2026, 10, 13, 8, 15))[AlertLevel.ESCALATED] == 1
    assert alerts_of(application)[AlertLevel.ESCALATED] == ["sup_jiaozuo"]

    # Running again any number of times adds nothing.
    before = (Alert.objects.count(), AlertRecipient.objects.count())
    sweep(at(2026, 10, 13, 8, 30))
    sweep(at(2026, 10, 20, 8, 30))
    assert (Alert.objects.count(), AlertRecipient.objects.count()) == before == (3, 3)


def test_an_item_already_overdue_gets_no_due_soon_alert(application, supervisor_jiefang):
    sweep(at(2026, 10, 10, 9))
    assert set(alerts_of(application)) == {AlertLevel.OVERDUE}


def test_a_decided_application_is_no_longer_swept(application, caseworker_jiefang, supervisor_jiefang):
    from registration.services import application_register

    with time_machine.travel(at(2026, 9, 30, 9), tick=False):
        application_register(application=application, user=caseworker_jiefang)
    sweep(at(2026, 10, 14, 9))
    assert alerts_of(application) == {}


def test_the_database_refuses_a_second_alert_of_the_same_item_and_level(application):
    Alert.objects.create(
        clock="registration.decision",
        item="1",
        level=AlertLevel.OVERDUE,
        due_at=timezone.now(),
        region_id="410802",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            clock="registration.decision",
            item="1",
            level=AlertLevel.OVERDUE,
            due_at=timezone.now(),
            region_id="410802",
        )


def test_escalation_waits_when_the_calendar_does_not_reach_back(monkeypatch):
    from workdays.models import CalendarDay

    CalendarDay.objects.filter(date__lt=date(2026, 1, 10)).delete()
    th = Thresholds.at(at(2026, 1, 5, 9))
    assert th.escalate_before is None


@pytest.mark.django_db(transaction=True)
def test_the_sweep_run_twice_at_once_creates_nothing_twice(committed_db, monkeypatch, office_jiefang):
    """Two runs started together (two beats, or ops pressing "run now" during the scheduled run): the job's lock
    lets one run and records the other as skipped; the alerts exist once."""
    caseworker = make_staff("cw_twice", office_jiefang, Role.CASEWORKER)
    make_staff("sup_twice", office_jiefang, Role.SUPERVISOR)
    with time_machine.travel(SUBMITTED, tick=False):
        submit(user=caseworker)
        submit(user=caseworker)
    real = deadline_jobs.alerts_sweep

    def slow_sweep():
        counts = real()
        time.sleep(1.0)  # still holding the lock when the second run starts
        return counts

    monkeypatch.setattr(deadline_jobs, "alerts_sweep", slow_sweep)
    runs: list[JobRun | None] = []

    def one_run():
        try:
            runs.append(run_job("deadlines.sweep"))
        finally:
            connection.close()

    with time_machine.travel(at(2026, 10, 12, 9), tick=True):
        threads = [threading.Thread(target=one_run) for _ in range(2)]
        threads[0].start()
        time.sleep(0.3)
        threads[1].start()
        for t in threads:
            t.join()
        statuses = sorted(r.status for r in runs if r is not None)
        assert statuses == [JobRun.Status.SKIPPED, JobRun.Status.SUCCEEDED]
        assert Alert.objects.filter(level=AlertLevel.OVERDUE).count() == 2
        # And the service itself, run again, adds nothing.
        assert sum(alerts_sweep().values()) == 0
    assert Alert.objects.values("clock", "item", "level").distinct().count() == Alert.objects.count()


@override_settings(ALERTS_EMAIL=True)
def test_the_daily_digest_mails_each_person_once(application, caseworker_jiefang, mailoutbox):
    from deadlines.services import alerts_digest

    caseworker_jiefang.email = "cw@example.gov.cn"
    caseworker_jiefang.save()
    sweep(at(2026, 9, 30, 9, 15))
    with time_machine.travel(at(2026, 10, 1, 8), tick=False):
        assert alerts_digest() == {"users": 1, "emailed": 1}
        assert alerts_digest() == {"users": 0, "emailed": 0}
    assert len(mailoutbox) == 1
    assert application.number in mailoutbox[0].body
    assert "即将到期" in mailoutbox[0].body
    assert application.person.id_number not in mailoutbox[0].body


def test_the_dashboard_counts_are_the_clock_selector_counted_by_due_day(application, caseworker_jiefang):
    """The open-item counts (``ClockLoad``) give each state the same number as the clock's own items."""
    from deadlines.models import ClockLoad
    from deadlines.selectors import clock_summaries
    from deadlines.services import clock_loads_refresh
    from offices.models import Region

    now = at(2026, 9, 30, 12)
    with time_machine.travel(now, tick=False):
        clock_loads_refresh()
        assert ClockLoad.objects.get(clock="registration.decision").due_day == date(2026, 10, 9)
        clock = clocks()["registration.decision"]
        [summary] = clock_summaries([clock], Region.objects.get(code="410800"), now, due_soon_until(now))
        assert summary.totals == state_counts(clock.open_items(), now, clock.due)
