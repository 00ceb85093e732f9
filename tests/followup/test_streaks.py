"""Streaks derived from the contact record, never typed in (notice 四; DESIGN "Monthly follow-up"), which the
deregistration stage reads for codes 31 (three refusals in a row) and 32 (six months unreachable)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from followup.selectors import exit_streaks, refusal_streak, unreachable_streak
from followup.services import contact_record

from .factories import SH, case_of, failed, first_contact, reached, registered

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 20)


@pytest.fixture
def case(caseworker_jiefang, office_jiefang):
    """Registered 2026-03-02, reached at once; the tests add attempts from April to October 2026."""
    registration = registered(caseworker_jiefang, at=datetime(2026, 3, 2, 10, tzinfo=SH))
    with time_machine.travel(datetime(2026, 3, 3, 10, tzinfo=SH), tick=False):
        c = case_of(registration)
        first_contact(c, caseworker_jiefang)
    with time_machine.travel(datetime(2026, 10, 20, 18, tzinfo=SH), tick=False):
        yield c


def attempt(case, user, day: date, *, ok: bool, refused: bool = False):
    at = datetime(day.year, day.month, day.day, 10, tzinfo=SH)
    data = reached(tier="", refused_service=refused, at=at) if ok else failed(at=at)
    return contact_record(case=case, user=user, data=data)


def test_refusals_in_a_row_count_reached_contacts_in_which_the_person_refused(case, caseworker_jiefang):
    assert refusal_streak(case).count == 0
    attempt(case, caseworker_jiefang, date(2026, 4, 10), ok=True, refused=True)
    attempt(case, caseworker_jiefang, date(2026, 5, 10), ok=True, refused=True)
    attempt(
        case, caseworker_jiefang, date(2026, 6, 10), ok=False
    )  # a failed attempt neither counts nor ends it
    attempt(case, caseworker_jiefang, date(2026, 7, 10), ok=True, refused=True)
    streak = refusal_streak(case)
    assert (streak.count, streak.first, streak.last) == (3, date(2026, 4, 10), date(2026, 7, 10))
    assert exit_streaks(case, TODAY)["code_31"] is True


def test_a_reached_contact_without_refusal_ends_the_refusal_streak(case, caseworker_jiefang):
    attempt(case, caseworker_jiefang, date(2026, 4, 10), ok=True, refused=True)
    attempt(case, caseworker_jiefang, date(2026, 5, 10), ok=True, refused=True)
    attempt(case, caseworker_jiefang, date(2026, 6, 10), ok=True)  # accepted service
    attempt(case, caseworker_jiefang, date(2026, 7, 10), ok=True, refused=True)
    assert refusal_streak(case).count == 1
    assert exit_streaks(case, TODAY)["code_31"] is False


def test_unreachable_months_count_months_with_failed_attempts_and_no_reached_contact(
    case, caseworker_jiefang
):
    for month in (4, 5, 6, 7, 8, 9):
        attempt(case, caseworker_jiefang, date(2026, month, 8), ok=False)
        attempt(case, caseworker_jiefang, date(2026, month, 22), ok=False)
    streak = unreachable_streak(case, TODAY)
    assert (streak.count, streak.first, streak.last) == (6, date(2026, 4, 1), date(2026, 9, 1))
    assert exit_streaks(case, TODAY)["code_32"] is True


def test_a_month_without_any_attempt_ends_the_unreachable_streak(case, caseworker_jiefang):
    # An office that never tried cannot make someone eligible for exit: June had no attempt at all.
    for month in (4, 5, 7, 8, 9):
        attempt(case, caseworker_jiefang, date(2026, month, 8), ok=False)
    assert unreachable_streak(case, TODAY).count == 3  # July, August, September
    assert exit_streaks(case, TODAY)["code_32"] is False


def test_a_month_with_a_reached_contact_ends_the_unreachable_streak(case, caseworker_jiefang):
    for month in (4, 5, 6, 7, 8, 9):
        attempt(case, caseworker_jiefang, date(2026, month, 8), ok=False)
    attempt(case, caseworker_jiefang, date(2026, 7, 25), ok=True)  # reached later in July
    assert unreachable_streak(case, TODAY).count == 2  # August, September


def test_the_current_month_counts_only_once_over_unless_the_person_was_reached(case, caseworker_jiefang):
    for month in (8, 9):
        attempt(case, caseworker_jiefang, date(2026, month, 8), ok=False)
    attempt(case, caseworker_jiefang, date(2026, 10, 8), ok=False)
    assert unreachable_streak(case, TODAY).count == 2  # October is not over
    attempt(case, caseworker_jiefang, date(2026, 10, 19), ok=True)
    assert unreachable_streak(case, TODAY).count == 0  # reached this month
