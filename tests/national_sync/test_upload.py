"""The daily exit upload (services.upload_exits) against the simulator over real HTTP: every record
acknowledged exactly once whatever fails, invalid records never sent, rejected ones resent after the fix."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from deregistration.models import Exit
from deregistration.signals import exit_cancelled, exit_cancelling
from national_sync.models import ExitUpload
from national_sync.services import (
    NOT_CANCELLABLE,
    _claim,
    upload_exits,
    upload_preview,
    upload_resend,
    uploads_open,
)
from national_sync.transport import HttpTransport

from .factories import effective_exits

pytestmark = pytest.mark.django_db


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in ExitUpload.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def submitted(simulator) -> int:
    return simulator.state()["counters"].get("exit records submitted", 0)


def test_it_opens_one_pending_upload_per_effective_exit_and_only_once(caseworker_jiefang):
    exits = effective_exits(caseworker_jiefang, 2)
    assert uploads_open() == 2
    assert uploads_open() == 0
    assert set(ExitUpload.objects.values_list("exit_id", flat=True)) == {e.pk for e in exits}


def test_a_proposed_exit_gets_no_upload_until_it_takes_effect(caseworker_jiefang):
    effective_exits(caseworker_jiefang, 1)
    Exit.objects.update(status=Exit.Status.PROPOSED, effective_on=None)
    assert uploads_open() == 0


def test_it_sends_a_days_records_and_keeps_each_receipt(caseworker_jiefang, simulator):
    effective_exits(caseworker_jiefang, 3)
    counts = upload_exits(batch_size=2)
    assert (counts["sent"], counts["acknowledged"], counts["batches"]) == (3, 3, 2)
    uploads = list(ExitUpload.objects.all())
    assert {u.status for u in uploads} == {ExitUpload.Status.ACKNOWLEDGED}
    assert len({u.receipt for u in uploads}) == 3 and all(u.receipt.startswith("MOHRSS") for u in uploads)
    assert all(u.attempts == 1 and u.acknowledged_at for u in uploads)
    assert simulator.received() == 3
    assert upload_exits()["sent"] == 0  # nothing left: a second run sends nothing


def test_a_days_records_are_acknowledged_exactly_once_while_the_platform_fails_the_first_attempts(
    caseworker_jiefang, simulator, settings
):
    effective_exits(caseworker_jiefang, 4)
    settings.NATIONAL_SYNC_READ_TIMEOUT = 0.5
    simulator.arm(
        fail=[
            {"status": 503},
            {"timeout": 1.0},  # processed after the client gave up
            {"drop": True, "after_processing": True},
            {"status": 502},
        ]
    )
    first = upload_exits()
    assert "platform_error" in first and first.get("acknowledged", 0) == 0
    assert statuses() == {ExitUpload.Status.PENDING: 4}
    simulator.arm(fail=[{"drop": True}, {"status": 504}])  # the next run starts badly too
    second = upload_exits()
    assert second["acknowledged"] == 4
    assert statuses() == {ExitUpload.Status.ACKNOWLEDGED: 4}
    assert simulator.received() == 4  # received once each, though sent in several requests
    assert len(set(ExitUpload.objects.values_list("receipt", flat=True))) == 4


def test_a_platform_down_for_the_whole_run_leaves_every_record_pending_for_the_next(
    caseworker_jiefang, simulator
):
    effective_exits(caseworker_jiefang, 2)
    simulator.arm(fail=[{"status": 503}] * 4)
    counts = upload_exits()
    assert counts["failed_batches"] == 1 and "503" in counts["platform_error"]
    upload = ExitUpload.objects.first()
    assert upload is not None and upload.status == ExitUpload.Status.PENDING and "503" in upload.last_error
    assert upload_exits()["acknowledged"] == 2


def test_a_duplicate_acknowledgement_changes_nothing(caseworker_jiefang, simulator):
    effective_exits(caseworker_jiefang, 2)
    simulator.arm(duplicate_acks=1)
    counts = upload_exits()
    assert counts["acknowledged"] == 2
    assert statuses() == {ExitUpload.Status.ACKNOWLEDGED: 2}


def test_records_left_sending_by_a_run_that_died_are_sent_again_and_acknowledged_once(
    caseworker_jiefang, simulator
):
    from collections import Counter

    effective_exits(caseworker_jiefang, 3)
    uploads_open()
    batch = _claim(
        size=10, today=ExitUpload.objects.first().effective_on, only_day=None, skip=set(), counts=Counter()
    )
    assert batch is not None
    HttpTransport().send_exits(batch_id=batch.batch_id, records=batch.records)  # … and the worker dies here
    assert statuses() == {ExitUpload.Status.SENDING: 3}
    receipts_before = simulator.received()
    counts = upload_exits()
    assert (counts["released"], counts["acknowledged"]) == (3, 3)
    assert simulator.received() == receipts_before == 3
    assert all(u.attempts == 2 for u in ExitUpload.objects.all())


def test_a_record_rejected_by_the_platform_keeps_its_reason_and_is_resent_after_the_fix(
    caseworker_jiefang, ops_jiaozuo, simulator
):
    bad, good = effective_exits(caseworker_jiefang, 2)
    simulator.arm(reject={bad.serial: "AAC003 与全国库不一致"})
    counts = upload_exits()
    assert (counts["acknowledged"], counts["rejected"]) == (1, 1)
    rejected = ExitUpload.objects.get(exit=bad)
    assert rejected.status == ExitUpload.Status.REJECTED
    assert rejected.errors == [{"field": "AAZ341", "message": "AAC003 与全国库不一致"}]
    assert rejected.last_error == "AAC003 与全国库不一致"
    assert upload_exits()["sent"] == 0  # not resent by itself
    simulator.arm(unreject=[bad.serial])  # fixed
    assert upload_resend(upload=rejected, user=ops_jiaozuo).status == ExitUpload.Status.PENDING
    assert upload_exits()["acknowledged"] == 1
    assert ExitUpload.objects.get(exit=bad).status == ExitUpload.Status.ACKNOWLEDGED


def test_an_invalid_record_is_never_sent_and_goes_once_its_source_is_fixed(caseworker_jiefang, simulator):
    bad, good = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=bad.pk).update(handler_name="李 经办")
    counts = upload_exits()
    assert (counts["acknowledged"], counts["invalid"]) == (1, 1)
    upload = ExitUpload.objects.get(exit=bad)
    assert upload.status == ExitUpload.Status.INVALID and upload.attempts == 0
    assert upload.errors == [{"field": "AAE011", "message": "AAE011（经办人）不能含有半角或全角空格"}]
    assert submitted(simulator) == 1
    Exit.objects.filter(pk=bad.pk).update(handler_name="李经办")
    counts = upload_exits()
    assert (counts["revalidated"], counts["acknowledged"]) == (1, 1)


def test_ops_cannot_resend_a_record_that_still_breaks_a_rule(caseworker_jiefang, ops_jiaozuo, simulator):
    (bad,) = effective_exits(caseworker_jiefang, 1)
    Exit.objects.filter(pk=bad.pk).update(handler_name="李 经办")
    upload_exits()
    with pytest.raises(ValidationError) as exc:
        upload_resend(upload=ExitUpload.objects.get(), user=ops_jiaozuo)
    assert "AAE011（经办人）不能含有半角或全角空格" in exc.value.messages[0]


def test_only_ops_resend(caseworker_jiefang, simulator):
    from django.core.exceptions import PermissionDenied

    (bad,) = effective_exits(caseworker_jiefang, 1)
    Exit.objects.filter(pk=bad.pk).update(handler_name="李 经办")
    upload_exits()
    with pytest.raises(PermissionDenied):
        upload_resend(upload=ExitUpload.objects.get(), user=caseworker_jiefang)


def test_an_exit_no_longer_effective_when_its_batch_is_claimed_is_withdrawn_not_sent(
    caseworker_jiefang, simulator
):
    gone, kept = effective_exits(caseworker_jiefang, 2)
    uploads_open()
    Exit.objects.filter(pk=gone.pk).update(status=Exit.Status.RETURNED, effective_on=None)
    counts = upload_exits()
    assert (counts["withdrawn"], counts["acknowledged"]) == (1, 1)
    assert submitted(simulator) == 1


def test_only_day_sends_only_that_days_exits(caseworker_jiefang, simulator):
    from datetime import date

    first, second = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=second.pk).update(
        effective_on=date(2026, 11, 19), deregistered_on=date(2026, 11, 18)
    )
    counts = upload_exits(only_day=date(2026, 11, 19))
    assert counts["acknowledged"] == 1
    assert ExitUpload.objects.get(exit=second).status == ExitUpload.Status.ACKNOWLEDGED
    assert ExitUpload.objects.get(exit=first).status == ExitUpload.Status.PENDING


def test_the_dry_run_lists_what_would_be_sent_and_changes_nothing(caseworker_jiefang, simulator):
    bad, good = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=bad.pk).update(name="张 三")
    previews = upload_preview()
    assert [(p.exit.pk, [e.field for e in p.errors]) for p in previews] == [
        (bad.pk, ["AAC003"]),
        (good.pk, []),
    ]
    assert not ExitUpload.objects.exists() and submitted(simulator) == 0


# ---- deregistration's cancel ---------------------------------------------------------------------------
def cancel(exit: Exit, user) -> None:
    """What deregistration's cancel service does around its change: lock the exit, ask, change, tell."""
    with transaction.atomic():
        Exit.objects.select_for_update().get(pk=exit.pk)
        exit_cancelling.send(sender=Exit, exit=exit, user=user)
        exit_cancelled.send(sender=Exit, exit=exit, user=user)


def test_an_exit_not_yet_sent_may_be_cancelled_and_its_pending_record_is_withdrawn(caseworker_jiefang):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    uploads_open()
    cancel(exit, caseworker_jiefang)
    assert ExitUpload.objects.get().status == ExitUpload.Status.WITHDRAWN


def test_an_exit_without_an_upload_yet_may_be_cancelled(caseworker_jiefang):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    cancel(exit, caseworker_jiefang)
    assert not ExitUpload.objects.exists()


@pytest.mark.parametrize("status", [ExitUpload.Status.SENDING, ExitUpload.Status.ACKNOWLEDGED])
def test_an_exit_sent_to_the_platform_cannot_be_cancelled(status, caseworker_jiefang):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    uploads_open()
    ExitUpload.objects.update(
        status=status,
        batch_id="b",
        sending_since="2026-11-20T01:30:00+08:00",
        receipt="R",
        acknowledged_at="2026-11-20T01:30:00+08:00",
    )
    with pytest.raises(ValidationError) as exc:
        cancel(exit, caseworker_jiefang)
    assert exc.value.messages == [str(NOT_CANCELLABLE)]
    assert ExitUpload.objects.get().status == status


def test_an_exit_whose_record_was_sent_without_an_answer_cannot_be_cancelled(caseworker_jiefang, simulator):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    simulator.arm(fail=[{"status": 503}] * 4)  # the platform may or may not have taken it
    upload_exits()
    upload = ExitUpload.objects.get()
    assert (upload.status, upload.attempts) == (ExitUpload.Status.PENDING, 1)
    with pytest.raises(ValidationError):
        cancel(exit, caseworker_jiefang)


def test_an_exit_whose_record_the_platform_rejected_may_be_cancelled(caseworker_jiefang, simulator):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    simulator.arm(reject={exit.serial: "退回"})
    upload_exits()
    cancel(exit, caseworker_jiefang)
    assert ExitUpload.objects.get().status == ExitUpload.Status.WITHDRAWN


def test_without_a_configured_platform_nothing_is_sent_and_the_run_says_so(caseworker_jiefang, settings):
    settings.NATIONAL_SYNC_BASE_URL = ""
    effective_exits(caseworker_jiefang, 1)
    counts = upload_exits()
    assert counts["not_configured"] is True and "NATIONAL_SYNC_BASE_URL" in counts["platform_error"]
    upload = ExitUpload.objects.get()
    assert upload.status == ExitUpload.Status.PENDING and upload.attempts == 0


def test_the_job_schedules_one_retry_when_the_platform_is_down(caseworker_jiefang, simulator, settings):
    from django.core.cache import cache

    from common.jobs import run_job
    from national_sync.jobs import RETRY_KEY, UPLOAD_EXITS

    cache.delete(RETRY_KEY)
    effective_exits(caseworker_jiefang, 1)
    simulator.arm(fail=[{"status": 503}] * 8)
    first = run_job(UPLOAD_EXITS)
    second = run_job(UPLOAD_EXITS)
    assert first is not None and first.counts["retry_in_minutes"] == 30
    assert second is not None and "retry_in_minutes" not in second.counts  # one retry pending at a time
    cache.delete(RETRY_KEY)


def test_imported_ended_registrations_have_no_exit_and_are_never_sent(
    ops_jiaozuo, office_jiefang, caseworker_jiefang, simulator
):
    from registration.models import Registration
    from tests.registration.test_registration_import import import_rows, row

    import_rows(ops_jiaozuo, row(1, 状态="已注销", 注销日期="2026-06-30", 注销原因代码="11"))
    assert Registration.objects.filter(status=Registration.Status.ENDED).count() == 1
    (exit,) = effective_exits(caseworker_jiefang, 1)
    counts = upload_exits(backfill_since=date(2000, 1, 1))
    assert (counts["opened"], counts["acknowledged"]) == (1, 1)
    assert list(ExitUpload.objects.values_list("exit_id", flat=True)) == [exit.pk]
    assert simulator.received() == 1


# ---- through deregistration's real cancel service ----------------------------------------------------
def test_the_cancel_service_is_refused_once_the_exit_was_sent_and_allowed_before(
    caseworker_jiefang, supervisor_jiaozuo, simulator
):
    from deregistration.services import exit_cancel

    sent, waiting = effective_exits(caseworker_jiefang, 2)
    uploads_open()
    Exit.objects.filter(pk=waiting.pk).update(handler_name="李 经办")  # breaks a rule: never sent
    upload_exits()
    assert ExitUpload.objects.get(exit=sent).status == ExitUpload.Status.ACKNOWLEDGED
    with pytest.raises(ValidationError) as exc:
        exit_cancel(exit=sent, user=supervisor_jiaozuo, reason="误操作")
    assert exc.value.messages == [str(NOT_CANCELLABLE)]
    sent.refresh_from_db()
    assert sent.status == Exit.Status.EFFECTIVE
    exit_cancel(exit=waiting, user=supervisor_jiaozuo, reason="误操作")
    assert ExitUpload.objects.get(exit=waiting).status == ExitUpload.Status.WITHDRAWN
    assert upload_exits()["sent"] == 0
