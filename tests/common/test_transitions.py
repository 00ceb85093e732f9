"""common.transitions: the map of allowed moves, and a move made exactly once (conditional UPDATE).

The model used is common's Notification (queued → sent / failed / no phone, failed → queued): any model with a
status field will do, and this one belongs to no stage.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils import timezone

from common.models import Notification
from common.transitions import TransitionNotAllowed, Transitions, transition

S = Notification.Status
MOVES = Transitions(S, {S.QUEUED: {S.SENT, S.FAILED, S.NO_PHONE}, S.FAILED: {S.QUEUED}})


def notification(**fields) -> Notification:
    return Notification.objects.create(**{"phone": "13800000000", "text": "t", "ref": "test:1", **fields})


# ---- the map ----------------------------------------------------------------------------------------
def test_the_map_answers_which_moves_are_allowed():
    assert MOVES.allowed(S.QUEUED, S.SENT)
    assert MOVES.allowed("failed", "queued")  # plain values and members alike
    assert not MOVES.allowed(S.SENT, S.QUEUED)
    assert not MOVES.allowed(S.QUEUED, S.QUEUED)  # staying put is not a move unless listed
    assert not MOVES.allowed(S.QUEUED, "nonsense")
    MOVES.check(S.QUEUED, S.FAILED)
    with pytest.raises(TransitionNotAllowed, match="'sent' → 'queued' is not an allowed move") as exc:
        MOVES.check(S.SENT, S.QUEUED)
    assert isinstance(exc.value, ValueError) and (exc.value.old, exc.value.new) == ("sent", "queued")


def test_the_map_names_targets_sources_and_its_groups_in_declaration_order():
    assert MOVES.targets(S.QUEUED) == ("sent", "failed", "no_phone")
    assert MOVES.targets(S.SENT) == ()
    assert MOVES.sources(S.QUEUED) == ("failed",)
    assert MOVES.sources(S.FAILED) == ("queued",)
    assert MOVES.terminal == ("sent", "no_phone")
    assert MOVES.non_terminal == ("queued", "failed")
    assert set(MOVES.terminal) | set(MOVES.non_terminal) == set(S.values)


def test_a_map_naming_an_unknown_state_is_refused_when_it_is_built():
    with pytest.raises(ImproperlyConfigured, match="unknown"):
        Transitions(S, {S.QUEUED: {"delivered"}})
    with pytest.raises(ImproperlyConfigured, match="unknown"):
        Transitions(S, {"draft": {S.QUEUED}})


# ---- one move, once ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_move_is_made_once_with_its_changes_and_updated_at():
    row = notification()
    Notification.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    before = Notification.objects.get(pk=row.pk).updated_at
    sent_at = timezone.now()

    assert transition(Notification, row.pk, from_=S.QUEUED, to=S.SENT, allowed=MOVES, sent_at=sent_at) is True
    assert transition(Notification, row.pk, from_=S.QUEUED, to=S.SENT, allowed=MOVES) is False

    row.refresh_from_db()
    assert row.status == S.SENT and row.sent_at == sent_at
    assert row.updated_at > before


@pytest.mark.django_db
def test_a_move_may_start_from_several_states_and_a_queryset_narrows_the_rows():
    failed = notification(status=S.FAILED)
    assert transition(Notification, failed.pk, from_=MOVES.sources(S.QUEUED), to=S.QUEUED, allowed=MOVES)
    assert Notification.objects.get(pk=failed.pk).status == S.QUEUED

    other = notification(ref="test:2")
    narrowed = Notification.objects.filter(ref="test:1")
    assert not transition(narrowed, other.pk, from_=S.QUEUED, to=S.SENT, allowed=MOVES)
    assert transition(Notification.objects, other.pk, from_=S.QUEUED, to=S.SENT, allowed=MOVES)  # a manager


@pytest.mark.django_db
def test_a_move_outside_the_map_is_a_programming_error_and_touches_nothing(django_assert_num_queries):
    row = notification(status=S.SENT)
    with django_assert_num_queries(0):
        with pytest.raises(TransitionNotAllowed):
            transition(Notification, row.pk, from_=S.SENT, to=S.QUEUED, allowed=MOVES)
        with pytest.raises(TransitionNotAllowed):  # every old state must allow the move
            transition(Notification, row.pk, from_=[S.FAILED, S.SENT], to=S.QUEUED, allowed=MOVES)
        with pytest.raises(ValueError, match="names no state"):
            transition(Notification, row.pk, from_=[], to=S.QUEUED, allowed=MOVES)
        with pytest.raises(ValueError, match="set by to="):
            transition(Notification, row.pk, from_=S.FAILED, to=S.QUEUED, allowed=MOVES, status="sent")
        with pytest.raises(FieldDoesNotExist):
            transition(Notification, row.pk, field="state", from_=S.FAILED, to=S.QUEUED, allowed=MOVES)
    assert Notification.objects.get(pk=row.pk).status == S.SENT


# ---- a real race: two threads, two connections ------------------------------------------------------
def test_of_two_concurrent_moves_exactly_one_wins(committed_db):
    """Both threads UPDATE the same row inside their own transaction at the same moment; the second waits on the
    first one's row lock and, once that commits, finds the row no longer queued."""
    row = notification()
    start = threading.Barrier(2, timeout=10)
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def worker(name: str, target: str) -> None:
        try:
            start.wait()
            with transaction.atomic():
                results[name] = transition(Notification, row.pk, from_=S.QUEUED, to=target, allowed=MOVES)
                # Hold the row lock a little, so that the other UPDATE surely runs into it.
                connection.cursor().execute("SELECT pg_sleep(0.3)")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [
        threading.Thread(target=worker, args=("send", S.SENT)),
        threading.Thread(target=worker, args=("fail", S.FAILED)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert sorted(results.values()) == [False, True]
    winner = next(name for name, won in results.items() if won)
    assert Notification.objects.get(pk=row.pk).status == {"send": S.SENT, "fail": S.FAILED}[winner]
