"""Registrations with follow-up streaks for the deregistration tests, made through the services.

Every test of this folder runs on 2026-11-20 (``conftest.py``); registrations are made on 2026-03-02.

registered(user)                   # an active registration of 2026-03-02, the first contact made the next day
with_refusals(registration, user)  # + 3 reached contacts in a row in which the person refused (31 offered)
with_unreachable(registration, user)  # + failed attempts only, May to October 2026 (32 offered)
with_outcome(registration, user)   # + November's follow-up done on 2026-11-18 as "found work" (proposes 11)
"""

from __future__ import annotations

from datetime import date, datetime

import time_machine

from followup.models import FollowUpOutcome, MonthlyFollowUp
from followup.services import case_for, contact_record, followup_open_month
from registration.models import Registration
from tests.followup.factories import SH, failed, first_contact, reached
from tests.followup.factories import registered as followup_registered

TODAY = date(2026, 11, 20)
REGISTERED_ON = date(2026, 3, 2)


def registered(user, *, region: str = "410802", **application) -> Registration:
    registration = followup_registered(
        user, region=region, at=datetime(2026, 3, 2, 10, tzinfo=SH), **application
    )
    with time_machine.travel(datetime(2026, 3, 3, 10, tzinfo=SH), tick=False):
        first_contact(case_for(registration), user)
    registration.refresh_from_db()
    return registration


def _attempt(registration: Registration, user, day: date, *, ok: bool, refused: bool = False) -> None:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=SH)
    data = reached(tier="", refused_service=refused, at=at) if ok else failed(at=at)
    contact_record(case=case_for(registration), user=user, data=data)


def with_refusals(registration: Registration, user, times: int = 3) -> Registration:
    for month in range(11 - times, 11):
        _attempt(registration, user, date(2026, month, 10), ok=True, refused=True)
    return registration


def with_unreachable(registration: Registration, user, months: int = 6) -> Registration:
    for month in range(11 - months, 11):
        _attempt(registration, user, date(2026, month, 8), ok=False)
    return registration


def with_outcome(
    registration: Registration, user, outcome: str = FollowUpOutcome.FOUND_WORK, note: str = "已在某公司上班"
) -> MonthlyFollowUp:
    """November's follow-up of ``registration`` completed by a reached contact on 2026-11-18 with ``outcome``."""
    followup_open_month(2026, 11)
    at = datetime(2026, 11, 18, 10, tzinfo=SH)
    contact_record(
        case=case_for(registration), user=user, data=reached(tier="", outcome=outcome, note=note, at=at)
    )
    return MonthlyFollowUp.objects.get(case=case_for(registration), month=date(2026, 11, 1))
