"""The one sender (national_sync.sending) behind the exit upload and the national pushes: the same answer
recorded the same way for both queues, straight against the database (no platform needed)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from national_sync import protocol, pushes, sending, services
from national_sync.exchange import PushResult
from national_sync.exchange_models import NationalPush, PushKind
from national_sync.models import ExitUpload
from national_sync.transport import RecordResult
from tests.followup.factories import registered as registered_now

from .factories import effective_exits

pytestmark = pytest.mark.django_db


def exit_batch(user) -> tuple[type, sending.Batch, object]:
    effective_exits(user, 3)
    services.uploads_open()
    today = ExitUpload.objects.first().effective_on  # type: ignore[union-attr]
    batch = services._claim(size=10, today=today, only_day=None, skip=set(), counts=Counter())

    def result(key, code, receipt="", errors=None):
        return RecordResult(key[0], key[1], code, receipt, errors or [])

    return ExitUpload, batch, result


def push_batch(user) -> tuple[type, sending.Batch, object]:
    for _ in range(3):
        registered_now(user)
    pushes.pushes_open()
    batch = pushes._claim(
        pushes.SPECS[PushKind.REGISTRATION], size=10, today=timezone.localdate(), skip=set(), counts=Counter()
    )

    def result(key, code, receipt="", errors=None):
        return PushResult(key, code, receipt, errors or [])

    return NationalPush, batch, result


@pytest.mark.parametrize("make_batch", [exit_batch, push_batch], ids=["exit upload", "national push"])
def test_an_answer_is_recorded_once_whatever_it_repeats_confuses_or_leaves_out(
    caseworker_jiefang, make_batch
):
    model, batch, result = make_batch(caseworker_jiefang)
    assert batch is not None and len(batch.rows) == 3
    first, second, third = batch.rows
    foreign = ("419999", "X") if model is ExitUpload else "419999/X"
    answer = [
        result(first, protocol.ACCEPTED, "R-1"),
        result(first, protocol.ALREADY_RECEIVED, "R-1"),  # a duplicate acknowledgement
        result(first, protocol.REJECTED),  # contradicting an acknowledgement: ignored
        result(foreign, protocol.ACCEPTED, "R-9"),  # not in the batch: ignored
        result(second, protocol.REJECTED),  # rejected without a reason
    ]  # the third is left out
    counts: Counter = Counter()
    missing = sending.record_answer(model, batch, answer, counts)
    assert missing == [batch.rows[third]]
    assert (counts["acknowledged"], counts["rejected"], counts["missing_in_answer"]) == (1, 1, 1)
    acknowledged, rejected, left_out = (model.objects.get(pk=batch.rows[k]) for k in (first, second, third))
    assert (acknowledged.status, acknowledged.receipt) == (model.Status.ACKNOWLEDGED, "R-1")
    assert rejected.status == model.Status.REJECTED
    assert rejected.errors == [{"field": "", "message": sending.REJECTED_WITHOUT_REASON}]
    assert (left_out.status, left_out.last_error) == (model.Status.PENDING, sending.MISSING_IN_ANSWER)

    again: Counter = Counter()
    sending.record_answer(model, batch, answer, again)  # the same answer delivered twice
    assert not +again
    assert model.objects.get(pk=batch.rows[first]).status == model.Status.ACKNOWLEDGED


@pytest.mark.parametrize("make_batch", [exit_batch, push_batch], ids=["exit upload", "national push"])
def test_rows_left_sending_by_a_dead_run_go_back_to_pending_for_both_queues(caseworker_jiefang, make_batch):
    model, batch, _ = make_batch(caseworker_jiefang)
    assert set(model.objects.values_list("status", flat=True)) == {model.Status.SENDING}
    assert sending.release(model) == 3
    assert set(model.objects.values_list("status", flat=True)) == {model.Status.PENDING}
    assert set(model.objects.values_list("last_error", flat=True)) == {sending.RELEASED}
    assert sending.record_answer(model, batch, [], Counter()) == list(batch.rows.values())
    assert set(model.objects.values_list("status", flat=True)) == {
        model.Status.PENDING
    }  # not its batch's now
