"""An import whose Celery worker is killed in the middle resumes in another worker with nothing lost or doubled
(issue #7): real worker processes over the real Redis broker, as in tests/common/test_celery_worker.py."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction

from registration.imports import graduates_import, import_batches_resume
from registration.models import ImportBatch, Registration
from tests.conftest import start_celery_worker, stop_celery_worker

from .factories import citizen_id
from .test_imports import GRADUATE_HEADERS, csv_file

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def celery_worker() -> Iterator[subprocess.Popen]:
    """A `celery worker` subprocess on the test database and Redis, started from an empty queue; killed at the end
    if still running."""
    proc = start_celery_worker()
    try:
        yield proc
    finally:
        stop_celery_worker(proc)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_it_resumes_an_import_whose_worker_was_killed_with_nothing_lost_or_doubled(committed_db, ops_jiaozuo):
    # Three chunks of up to 1,000 rows: the worker is killed in the second, with two thousand rows still to go, so
    # that however slowly this test polls, the worker cannot have finished the list before it is killed.
    total = 3_000
    rows = [GRADUATE_HEADERS] + [
        [
            citizen_id(date(2002, 5, 1) + timedelta(days=i // 1000), seq=i % 1000),
            f"毕业生{i}",
            "河南理工大学",
            "2025-06-30",
            "",
            "",
            "",
        ]
        for i in range(total)
    ]

    def current() -> ImportBatch:
        return ImportBatch.objects.get(pk=batch.pk)

    with celery_worker() as first:  # started first: it purges the queue
        with transaction.atomic():
            batch = graduates_import(file=csv_file(rows), user=ops_jiaozuo, run_now=False)
        started = wait_for(lambda: current().processed_rows >= 1_000, timeout=180)
        first.kill()  # SIGKILL in the middle of the next chunk: no clean-up runs
        first.wait()
    assert started
    killed = current()
    assert killed.status == ImportBatch.Status.RUNNING and 1_000 <= killed.processed_rows < total

    with celery_worker():
        # What the every-minute job does once the batch has had no heartbeat for a minute.
        assert import_batches_resume(stale_after=timedelta(0)) == 1
        assert wait_for(lambda: current().status == ImportBatch.Status.DONE, timeout=300)

    done = current()
    assert (done.total_rows, done.processed_rows, done.created_rows, done.skipped_rows, done.error_rows) == (
        total,
        total,
        total,
        0,
        0,
    )
    assert done.attempt == 2
    assert Registration.objects.filter(import_batch=batch).count() == total
