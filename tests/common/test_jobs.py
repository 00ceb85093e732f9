"""Periodic jobs: declared once with their schedule, never run twice at the same time, every run recorded
(who started it, when, how it ended) and runnable by hand with the same code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from common import jobs
from common.beat import RegistryScheduler
from common.models import JobRun, Notification
from common.tasks import run_job_task
from config.celery_app import app as celery_app
from tests.conftest import test_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def declared(monkeypatch):
    """Declare a test job for one test (the registry is restored afterwards)."""

    def declare(name: str, func, **kwargs):
        monkeypatch.setitem(jobs.JOBS, name, jobs.Job(name, func, **kwargs))

    return declare


@pytest.mark.django_db
def test_it_records_a_successful_run_with_its_counts():
    Notification.objects.create(phone="13800000000", text="x", ref="t:1")
    Notification.objects.filter(ref="t:1").update(created_at=timezone.now() - timedelta(minutes=10))
    run_job_task("notifications.resend")  # the task beat sends every 5 minutes
    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.triggered_by, run.status, run.counts) == (
        "notifications.resend",
        JobRun.Trigger.BEAT,
        None,
        JobRun.Status.SUCCEEDED,
        {"sent": 1},
    )
    assert run.finished_at >= run.started_at


@pytest.mark.django_db
def test_the_next_run_closes_a_run_whose_worker_died_as_interrupted(declared):
    """A worker killed mid-run leaves its JobRun "running"; the next run, holding the job's lock (so no other run
    of the job is alive), records it as failed with the reason, and the ops page no longer shows it running."""
    declared("test.steady", lambda: {"done": 1})
    dead = JobRun.objects.create(job="test.steady", started_at=timezone.now() - timedelta(hours=1))
    other_job = JobRun.objects.create(job="test.other", started_at=timezone.now())
    run = jobs.run_job("test.steady")
    dead.refresh_from_db()
    other_job.refresh_from_db()
    assert run is not None and run.status == JobRun.Status.SUCCEEDED
    assert (dead.status, dead.error) == (JobRun.Status.FAILED, jobs.INTERRUPTED) and dead.finished_at
    assert other_job.status == JobRun.Status.RUNNING  # another job's run is that job's business


@pytest.mark.django_db
def test_it_records_a_failed_run_with_the_error_and_goes_on(declared):
    def broken() -> dict:
        raise RuntimeError("disk full")

    declared("test.broken", broken)
    run = jobs.run_job("test.broken")
    assert run.status == JobRun.Status.FAILED
    assert "RuntimeError: disk full" in run.error
    assert JobRun.objects.get(pk=run.pk).finished_at is not None


@pytest.mark.django_db
def test_it_records_the_staff_member_who_started_a_run(ops_jiaozuo):
    run = jobs.run_job("notifications.resend", trigger=JobRun.Trigger.USER, user=ops_jiaozuo)
    assert (run.trigger, run.triggered_by) == (JobRun.Trigger.USER, ops_jiaozuo)


@pytest.mark.django_db
def test_it_runs_a_job_by_hand_with_the_same_code_and_says_who(ops_jiaozuo, capsys):
    call_command("run_job", "registration.resume_import_batches")
    run = JobRun.objects.get()
    assert (run.trigger, run.status, run.counts) == (JobRun.Trigger.COMMAND, "succeeded", {"queued": 0})
    call_command("run_job", "notifications.resend", "--user", ops_jiaozuo.username)
    assert JobRun.objects.get(job="notifications.resend").triggered_by == ops_jiaozuo
    with pytest.raises(CommandError, match="unknown job"):
        call_command("run_job", "no.such.job")


@pytest.mark.django_db
def test_it_lists_every_job_with_its_schedule_in_words_and_its_last_run(capsys):
    jobs.run_job("notifications.resend")
    call_command("run_job", "--list")
    out = capsys.readouterr().out
    blocks = {block.split("\n")[0]: block for block in out.strip().split("\n") if block and block[0] != " "}
    assert set(blocks) == set(jobs.registered_jobs())
    assert "notifications.resend\n    every 5 minutes; last run " in out
    assert "registration.resume_import_batches\n    every minute; never run" in out
    assert "example_stage.tick\n    daily at 02:30; never run" in out  # the test-only stage's job


def test_it_describes_schedules_in_words():
    assert jobs.describe_schedule(timedelta(minutes=1)) == "every minute"
    assert jobs.describe_schedule(timedelta(hours=6)) == "every 6 hours"
    assert jobs.describe_schedule(crontab(hour=1, minute=30)) == "daily at 01:30"
    assert (
        jobs.describe_schedule(crontab(hour=8, minute=0, day_of_month=1))
        == "at 08:00 on day 1 of every month"
    )
    assert jobs.describe_schedule(crontab(minute="*/15")) == "at minutes 0, 15, 30, 45 of every hour"
    assert jobs.describe_schedule(crontab(hour=7, minute=5, day_of_week="mon")) == "at 07:05 on Monday"
    assert jobs.describe_schedule(None).startswith("by hand")


def test_the_beat_schedule_holds_exactly_the_scheduled_jobs(tmp_path):
    scheduled = {name for name, j in jobs.registered_jobs().items() if j.schedule is not None}
    assert {
        "common.beat_heartbeat",
        "notifications.resend",
        "registration.resume_import_batches",
    } <= scheduled
    schedule = jobs.beat_schedule()
    assert set(schedule) == scheduled
    assert all(
        entry["task"] == "common.run_job" and entry["args"] == [name] for name, entry in schedule.items()
    )
    # What beat itself builds from it (the scheduler the settings name), on a fresh schedule file:
    scheduler = RegistryScheduler(app=celery_app, schedule_filename=str(tmp_path / "beat"), lazy=False)
    try:
        assert set(scheduler.schedule) == scheduled
        assert scheduler.schedule["notifications.resend"].schedule.run_every == timedelta(minutes=5)
    finally:
        scheduler.close()


def test_a_real_beat_process_schedules_the_declared_jobs(tmp_path):
    """`celery beat` started as in production lists the declared jobs as its schedule."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "debug", "-s", str(tmp_path / "s")],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 60
        for line in proc.stdout:
            output.append(line)
            if "beat: Waking up" in line or time.monotonic() > deadline:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    log = "".join(output)
    for name, declared in jobs.registered_jobs().items():
        if declared.schedule is not None:
            assert f"<ScheduleEntry: {name} common.run_job('{name}')" in log, log


# ---- never twice at once -----------------------------------------------------------------------------
def test_it_skips_a_run_while_another_process_runs_the_same_job(committed_db):
    """The test process holds the job's lock as a running job would; `manage.py run_job` in a second process
    returns at once and is recorded as skipped with the reason."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
    }
    command = [sys.executable, "manage.py", "run_job", "notifications.resend"]
    with jobs.job_lock("notifications.resend") as acquired:
        assert acquired
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "skipped" in done.stdout
    run = JobRun.objects.get(job="notifications.resend")
    assert run.status == JobRun.Status.SKIPPED and run.trigger == JobRun.Trigger.COMMAND
    assert run.note == "another run of this job was in progress"
    # Once the lock is free, the next process runs it.
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert JobRun.objects.filter(job="notifications.resend", status=JobRun.Status.SUCCEEDED).count() == 1


def test_it_runs_a_job_once_when_two_runs_start_together(committed_db, declared):
    """Two threads (two database connections) start the same job; the second finds it running."""
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow() -> dict:
        calls.append(1)
        started.set()
        release.wait(10)
        return {"done": 1}

    declared("test.slow", slow)
    results = {}

    def run(key: str) -> None:
        try:
            results[key] = jobs.run_job("test.slow").status
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    second.join(10)
    release.set()
    first.join(10)
    assert results == {"first": JobRun.Status.SUCCEEDED, "second": JobRun.Status.SKIPPED}
    assert len(calls) == 1
    assert JobRun.objects.filter(job="test.slow").count() == 2


@pytest.mark.django_db
def test_it_shows_the_run_history_to_ops_only(client, ops_jiaozuo, caseworker_jiefang):
    jobs.run_job("notifications.resend")
    url = reverse("admin:common_jobrun_changelist")
    client.force_login(ops_jiaozuo)
    response = client.get(url)
    assert response.status_code == 200 and "notifications.resend" in response.content.decode()
    client.force_login(caseworker_jiefang)
    assert client.get(url).status_code == 302  # not staff: sent to the admin login


def test_every_job_says_what_it_does_in_chinese_and_english_for_the_ops_page():
    """The ops page (/ops/jobs/) shows each job's title in the reader's language, never a developer's docstring."""
    from django.utils import translation

    for name, declared in jobs.registered_jobs().items():
        if name.startswith("example_stage."):  # test settings only; tests/ is not in the catalogue
            continue
        assert declared.title, f"{name} has no title"
        with translation.override("zh-hans"):
            chinese = str(declared.label)
        with translation.override("en"):
            english = str(declared.label)
        assert re.search(r"[\u4e00-\u9fff]", chinese), name
        assert english != chinese, f"{name}: no English for its title"


def test_the_readme_lists_exactly_the_declared_jobs_with_their_schedules():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Scheduled jobs") : readme.index("## Operating")]
    rows = re.findall(r"^\| `([\w.]+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    production_jobs = {
        name: declared.schedule_text
        for name, declared in jobs.registered_jobs().items()
        if not name.startswith("example_stage.")  # the stage that exists only in the test settings
    }
    assert {name: schedule.strip() for name, schedule in rows} == production_jobs
