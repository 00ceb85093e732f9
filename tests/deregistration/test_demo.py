"""The deregistration demo data: through the services, idempotent, with exits of several codes, a 32 proposal
waiting for supervisor_jiaozuo (the streak built through the follow-up services) and a cancelled exit."""

from __future__ import annotations

import pytest

from common.models import Notification
from deregistration.demo import PEOPLE, load_demo_exits
from deregistration.models import Exit
from deregistration.selectors import approval_queue
from deregistration.services import offered_codes_for
from offices.demo import load_demo_offices
from offices.models import User
from registration.models import Registration

pytestmark = pytest.mark.django_db


def test_it_adds_exits_of_several_codes_a_waiting_32_and_a_cancelled_one_once(db):
    load_demo_offices()
    assert load_demo_exits() == len(PEOPLE)
    effective = set(Exit.objects.filter(status=Exit.Status.EFFECTIVE).values_list("reason", flat=True))
    assert effective == {"11", "12", "21", "26"}
    supervisor = User.objects.get(username="supervisor_jiaozuo")
    waiting = list(approval_queue(supervisor))
    assert [(e.reason, e.proposed_by.username) for e in waiting] == [("32", "caseworker_jiefang")]
    offered, streaks = offered_codes_for(waiting[0].registration)
    assert "32" in offered and streaks["unreachable"].count >= 6
    cancelled = Exit.objects.get(status=Exit.Status.CANCELLED)
    assert cancelled.registration.status == Registration.Status.ACTIVE
    no_phone = Exit.objects.get(reason="21")
    assert (
        Notification.objects.get(ref=f"deregistration:{no_phone.serial}").status
        == Notification.Status.NO_PHONE
    )

    before = Exit.objects.count()
    assert load_demo_exits() == 0
    assert Exit.objects.count() == before


def test_it_adds_nothing_without_the_demo_staff(db):
    assert load_demo_exits() == 0
