"""Each stage's clocks: the exit proposals' approval (this system's rule: 3 working days after the proposal) and
this month's follow-up, counted and alerted by the shared definition."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from common.urgency import DUE_SOON, OVERDUE, due_soon_until, state_counts, urgency
from deadlines.models import Alert, AlertLevel, AlertRecipient
from deadlines.services import alerts_sweep
from deregistration.models import Exit
from deregistration.services import exit_propose
from offices.roles import Role
from portal.plugins import clocks
from tests.conftest import make_staff
from tests.followup.factories import registered
from workdays.calendar import deadline_at

from .helpers import SH

pytestmark = pytest.mark.django_db

PROPOSED = datetime(2026, 9, 29, 15, 0, tzinfo=SH)  # Tuesday before the National Day week


@pytest.fixture
def supervisor_jiefang(office_jiefang):
    return make_staff("sup_jiefang", office_jiefang, Role.SUPERVISOR, handler_name="钱主管")


@pytest.fixture
def proposal(caseworker_jiefang):
    with time_machine.travel(datetime(2026, 9, 1, 10, tzinfo=SH), tick=False):
        registration = registered(caseworker_jiefang)
    with time_machine.travel(PROPOSED, tick=False):
        return exit_propose(
            registration=registration,
            user=caseworker_jiefang,
            code="90",
            deregistered_on=date(2026, 9, 29),
            remark="本人书面申请注销",
        )


def test_an_exit_waiting_for_approval_is_due_three_working_days_after_the_proposal(proposal):
    assert proposal.status == Exit.Status.PROPOSED
    assert proposal.approval_due_at == deadline_at(PROPOSED, 3)
    assert timezone.localtime(proposal.approval_due_at).date() == date(2026, 10, 9)  # 09-30, 10-08, 10-09


def test_a_simple_exit_has_no_approval_clock(caseworker_jiefang):
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SH), tick=False):
        registration = registered(caseworker_jiefang)
        exit = exit_propose(
            registration=registration, user=caseworker_jiefang, code="11", deregistered_on=date(2026, 11, 20)
        )
    assert exit.status == Exit.Status.EFFECTIVE and exit.approval_due_at is None
    assert not clocks()["deregistration.approval"].open_items().filter(pk=exit.pk).exists()


def test_a_waiting_exit_alerts_the_supervisors_when_due_soon_and_when_overdue(proposal, supervisor_jiefang):
    clock = clocks()["deregistration.approval"]
    now = datetime(2026, 9, 30, 9, tzinfo=SH)
    with time_machine.travel(now, tick=False):
        assert urgency(proposal.approval_due_at, now, soon_until=due_soon_until(now)).state == DUE_SOON
        assert state_counts(clock.open_items(), now, clock.due)["due_soon"] == 1
        alerts_sweep()
    with time_machine.travel(datetime(2026, 10, 10, 9, tzinfo=SH), tick=False):
        assert urgency(proposal.approval_due_at).state == OVERDUE
        alerts_sweep()
    levels = {
        a.level: [r.user.username for r in a.recipients.all()]
        for a in Alert.objects.filter(clock="deregistration.approval", item=str(proposal.pk))
    }
    # No responsible caseworker decides an approval: the region's supervisors get the due-soon alert too.
    assert levels == {AlertLevel.DUE_SOON: ["sup_jiefang"], AlertLevel.OVERDUE: ["sup_jiefang"]}
    mine = AlertRecipient.objects.filter(user=supervisor_jiefang, alert__clock="deregistration.approval")
    assert mine.count() == 2


def test_this_months_follow_up_is_due_on_the_months_last_working_day(caseworker_jiefang):
    from followup.services import followup_open_month

    with time_machine.travel(datetime(2026, 8, 3, 10, tzinfo=SH), tick=False):
        registered(caseworker_jiefang)
    clock = clocks()["followup.monthly"]
    with time_machine.travel(datetime(2026, 9, 1, 9, tzinfo=SH), tick=False):
        followup_open_month(2026, 9)
        [followup] = clock.open_items()
        assert followup.due_on == date(2026, 9, 30)
    now = datetime(2026, 9, 28, 9, tzinfo=SH)  # Monday: 09-29 and 09-30 are the next two working days
    with time_machine.travel(now, tick=False):
        assert state_counts(clock.open_items(), now, clock.due)["due_soon"] == 1
    now = datetime(2026, 9, 30, 9, tzinfo=SH)
    with time_machine.travel(now, tick=False):
        assert state_counts(clock.open_items(), now, clock.due)["due_today"] == 1
