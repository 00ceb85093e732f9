"""Exactly once across processes: the job started twice at once, and a real Celery worker killed mid-batch."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from django.db import connection

from common.jobs import run_job
from common.models import JobRun
from common.tasks import run_job_task
from national_sync.jobs import UPLOAD_EXITS
from national_sync.models import ExitUpload
from tests.conftest import start_celery_worker, stop_celery_worker

from .conftest import APP_ID, SECRET
from .factories import effective_exits

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in ExitUpload.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_the_job_started_twice_at_once_sends_nothing_twice(
    committed_db, caseworker_jiefang, simulator, settings
):
    effective_exits(caseworker_jiefang, 4)
    settings.NATIONAL_SYNC_READ_TIMEOUT = 5.0
    simulator.arm(fail=[{"timeout": 1.5}])  # the first run is still sending when the second starts
    barrier = threading.Barrier(2)
    runs: list[JobRun | None] = []

    def start() -> None:
        barrier.wait()
        try:
            runs.append(run_job(UPLOAD_EXITS, trigger=JobRun.Trigger.COMMAND))
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(run.status for run in runs if run) == [JobRun.Status.SKIPPED, JobRun.Status.SUCCEEDED]
    assert statuses() == {ExitUpload.Status.ACKNOWLEDGED: 4}
    assert simulator.state()["counters"]["exit records submitted"] == 4  # each record went up once
    assert simulator.received() == 4


def start_worker(simulator_url: str) -> subprocess.Popen:
    """A real `celery worker` on the test database and Redis, uploading to the simulator in batches of 2."""
    return start_celery_worker(
        {
            "NATIONAL_SYNC_BASE_URL": simulator_url + "/api/v1",
            "NATIONAL_SYNC_APP_ID": APP_ID,
            "NATIONAL_SYNC_APP_SECRET": SECRET,
            "NATIONAL_SYNC_BATCH_SIZE": "2",
            "NATIONAL_SYNC_RETRY_MINUTES": "0",
        },
        name_prefix="sync",
    )


def test_a_celery_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    committed_db, caseworker_jiefang, simulator
):
    effective_exits(caseworker_jiefang, 6)
    # The second batch's request is held 4 s by the platform (then processed): the worker is killed meanwhile.
    simulator.arm(fail=[{}, {"timeout": 4}])
    worker = start_worker(simulator.url)
    try:
        run_job_task.delay(UPLOAD_EXITS)
        in_flight = wait_for(
            lambda: (
                statuses().get(ExitUpload.Status.ACKNOWLEDGED) == 2
                and statuses().get(ExitUpload.Status.SENDING) == 2
            )
        )
        assert in_flight, statuses()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop_celery_worker(worker)
    assert statuses() == {
        ExitUpload.Status.ACKNOWLEDGED: 2,
        ExitUpload.Status.SENDING: 2,
        ExitUpload.Status.PENDING: 2,
    }
    assert wait_for(lambda: simulator.received() == 4, timeout=15)  # the held batch was taken after all

    worker = start_worker(simulator.url)
    try:
        run_job_task.delay(UPLOAD_EXITS)
        done = wait_for(lambda: statuses() == {ExitUpload.Status.ACKNOWLEDGED: 6})
        assert done, statuses()
    finally:
        stop_celery_worker(worker)
    assert simulator.received() == 6
    assert len(set(ExitUpload.objects.values_list("receipt", flat=True))) == 6
    second = JobRun.objects.filter(job=UPLOAD_EXITS, status=JobRun.Status.SUCCEEDED).get()
    assert second.counts["released"] == 2 and second.counts["acknowledged"] == 4
