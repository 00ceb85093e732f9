"""Work handed to Celery after commit is done by a real worker process over the real Redis broker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.db import transaction

from common.models import Heartbeat, Notification
from common.notifications import notification_queue
from common.tasks import run_job_task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process(committed_db, celery_worker):
    """A `celery worker` subprocess (tests/conftest.py ``celery_worker``) with the migrations' data committed."""
    return celery_worker


def worker_log(proc) -> str:
    """Everything the worker printed so far (for an assertion message)."""
    while not proc.lines.empty():
        proc.output.append(proc.lines.get())
    return "".join(proc.output)


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_it_sends_a_message_queued_in_a_transaction_once_it_commits(celery_worker_process):
    with transaction.atomic():
        message = notification_queue(phone="13800000009", text="测试短信", ref="test:worker")
    sent = wait_for(lambda: Notification.objects.get(pk=message.pk).status == Notification.Status.SENT)
    assert sent, worker_log(celery_worker_process)
    message.refresh_from_db()
    assert message.attempts == 1 and message.sent_at is not None


def test_it_does_not_hand_a_message_whose_transaction_rolled_back_to_the_worker(celery_worker_process):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        notification_queue(phone="13800000010", text="不应发送", ref="test:rollback")
        raise Rollback
    # A message queued afterwards reaches the worker; one queued before it (in the rolled-back transaction)
    # would have been received first, by the same single worker.
    with transaction.atomic():
        later = notification_queue(phone="13800000011", text="测试短信", ref="test:after-rollback")
    sent = wait_for(lambda: Notification.objects.get(pk=later.pk).status == Notification.Status.SENT)
    assert sent, worker_log(celery_worker_process)
    log = worker_log(celery_worker_process)
    received = [
        line for line in log.splitlines() if "common.send_notification[" in line and "received" in line
    ]
    assert len(received) == 1, log
    assert not Notification.objects.filter(ref="test:rollback").exists()


def test_it_records_beats_tick_when_the_worker_runs_the_heartbeat(celery_worker_process):
    run_job_task.delay("common.beat_heartbeat")  # what beat sends every minute
    assert wait_for(lambda: Heartbeat.objects.filter(name="beat").exists()), worker_log(celery_worker_process)


def test_it_records_an_uploaded_graduate_list_as_handed_over_registrations_in_the_worker(
    celery_worker_process, ops_jiaozuo
):
    from registration.imports import graduates_import
    from registration.models import ImportBatch, Registration
    from tests.registration.test_imports import graduates, xlsx_file

    with transaction.atomic():
        batch = graduates_import(file=xlsx_file(graduates(3)), user=ops_jiaozuo, run_now=False)
    done = wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.DONE)
    assert done, worker_log(celery_worker_process)
    assert (
        Registration.objects.filter(import_batch=batch, source=Registration.Source.HANDED_OVER).count() == 3
    )
