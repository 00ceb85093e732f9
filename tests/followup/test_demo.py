"""The follow-up demo data: built through the services over whatever registrations exist, idempotent, with full
worklists, contacts of every kind, a refusal streak and an unreachable streak when registrations are old enough."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from followup.demo import load_demo_followup
from followup.models import Case, ContactAttempt, MonthlyFollowUp, ServiceDelivery
from followup.selectors import refusal_streak, unreachable_streak

from .factories import SH, registered

pytestmark = pytest.mark.django_db


def test_it_builds_a_follow_up_history_for_registrations_one_to_seven_months_old(
    caseworker_jiefang, office_jiefang
):
    ages = [(2026, m, d) for m in (4, 5, 6, 7, 8, 9, 10) for d in (6, 13, 20)]
    regs = [
        registered(caseworker_jiefang, at=datetime(*ymd, 10, tzinfo=SH), name=f"演示{i}")
        for i, ymd in enumerate(ages)
    ]
    regs += [
        registered(caseworker_jiefang, at=datetime(2026, 11, 17, 10, tzinfo=SH), name=f"新登记{i}")
        for i in range(12)
    ]
    with time_machine.travel(datetime(2026, 11, 20, 15, tzinfo=SH), tick=False):
        added = load_demo_followup()
        assert 0 < added <= len(regs)  # some of the new ones wait for their first contact
        assert added == Case.objects.filter(attempts__isnull=False).distinct().count()
        before = ContactAttempt.objects.count()
        assert load_demo_followup() == 0  # idempotent
        assert ContactAttempt.objects.count() == before
        cases = list(Case.objects.all())
        assert max(refusal_streak(c).count for c in cases) >= 3
        assert max(unreachable_streak(c).count for c in cases) >= 6
        assert Case.objects.filter(first_contact_at__isnull=True).exists()  # the worklist is not empty
        attempts = ContactAttempt.objects.all()
        assert {"phone", "sms", "visit"} <= set(attempts.values_list("channel", flat=True))
        assert attempts.filter(reached=False).exists() and attempts.filter(refused_service=True).exists()
        november = MonthlyFollowUp.objects.filter(month="2026-11-01")
        assert november.filter(status="open").exists() and november.filter(status="done").exists()
        assert set(MonthlyFollowUp.objects.values_list("outcome", flat=True)) >= {
            "still_looking",
            "unreachable",
            "refused",
        }
        assert ServiceDelivery.objects.exists()
