"""Periodic jobs: declared once, scheduled from the declaration, never run twice at the same time, every run
recorded (DESIGN: "every periodic job ... records its run (start, end, counts, errors) for the ops page, and
can be run by hand"; "a periodic job is declared once, with its schedule, and never runs twice at once").

    # <app>/jobs.py, found like admin.py
    from celery.schedules import crontab
    from common.jobs import job

    @job("notifications.resend", schedule=timedelta(minutes=5))
    def resend() -> dict:
        "Send SMS left queued."
        return {"sent": notification_resend_queued()}

    @job("national_sync.upload", schedule=crontab(hour=1, minute=30))   # 01:30 Asia/Shanghai every day
    @job("registration.backfill")                                       # no schedule: by hand or by a job

- The beat schedule is built from these declarations (``beat_schedule()``, read by ``common.beat``): one
  generic Celery task, ``common.run_job``, runs any job by name. Nothing else names a job.
- ``run_job(name, trigger=..., user=...)`` holds a PostgreSQL advisory lock on the job's name for the whole
  run. A second call while one runs (two beats, a slow run overlapping the next, ops pressing "run now" during a
  scheduled run) returns at once and is recorded as SKIPPED with the reason. The lock is a session lock on a
  connection of its own, so it holds across the job's commits and goes away with a process that dies.
- The ``JobRun`` row is written in its own transaction before and after, so a failed run is recorded even
  though the job's own transaction rolled back. It records who triggered it (beat, a user, the command line).
- ``manage.py run_job --list`` lists the jobs with their schedules in words and their last runs;
  ``manage.py run_job NAME`` runs one by hand.

A job function takes no arguments, does its work through services, is idempotent (safe to run twice) and
returns a dict of counts.
"""

from __future__ import annotations

import logging
import traceback
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any

from celery.schedules import crontab
from django.db import connections
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .history import history_context
from .models import JobRun
from .notifications import notification_resend_queued
from .queueing import enqueue_on_commit
from .services import heartbeat_record

logger = logging.getLogger(__name__)

TASK_NAME = "common.run_job"  # the one Celery task that runs any job (common/tasks.py)
LOCK_NAMESPACE = 20201120  # first key of pg_advisory_lock(int, int): "a job of this system"
Schedule = crontab | timedelta
# Written on a run left "running" by a worker that died, when the next run of the job takes the lock.
INTERRUPTED = "interrupted: the process running this job stopped before it finished (found by the next run)"


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], dict]
    schedule: Schedule | None = None
    description: str = ""
    record_runs: bool = True  # False only for the minute heartbeat: it records itself (common.Heartbeat)
    title: str | Promise = ""  # what the job does, in the reader's language (the ops page); lazy

    @property
    def label(self) -> str | Promise:
        return self.title or self.description

    @property
    def expires(self) -> float | None:
        """Seconds after which beat's message is dropped if no worker took it: the next one will come."""
        if isinstance(self.schedule, timedelta):
            return max(self.schedule.total_seconds() * 0.8, 10)
        return 3600.0 if self.schedule is not None else None

    @property
    def schedule_text(self) -> str:
        return describe_schedule(self.schedule)

    @property
    def schedule_words(self) -> str:
        """The schedule in the reader's language (the ops page)."""
        return schedule_words(self.schedule)


JOBS: dict[str, Job] = {}


def job(
    name: str,
    *,
    schedule: Schedule | None = None,
    title: str | Promise = "",
    description: str = "",
    record_runs: bool = True,
):
    """Declare ``func`` as the job ``name`` ("app.what"), run by beat on ``schedule`` (None: by hand only).
    ``title`` says what it does for the ops page (``gettext_lazy``, Chinese msgid); ``description`` (default: the
    docstring's first line) is the developers' English for ``run_job --list``."""

    def register(func: Callable[[], dict]) -> Callable[[], dict]:
        if name in JOBS and JOBS[name].func is not func:
            raise ValueError(f"job {name!r} declared twice")
        doc_lines = (func.__doc__ or "").strip().splitlines()
        text = description or (doc_lines[0] if doc_lines else "")
        JOBS[name] = Job(name, func, schedule, text, record_runs, title)
        return func

    return register


def registered_jobs() -> dict[str, Job]:
    """Every job of every app (imports each app's ``jobs`` module once)."""
    autodiscover_modules("jobs")
    return JOBS


def beat_schedule() -> dict[str, dict]:
    """Celery beat's schedule: exactly the registered jobs that have a schedule, each run by name."""
    return {
        name: {
            "task": TASK_NAME,
            "schedule": j.schedule,
            "args": [name],
            "options": {"expires": j.expires} if j.expires else {},
        }
        for name, j in sorted(registered_jobs().items())
        if j.schedule is not None
    }


def _lock_key(name: str) -> int:
    """A stable signed 32-bit key for the job's name (crc32, the same in every process)."""
    return zlib.crc32(name.encode()) - 2**31


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Hold the advisory lock of job ``name`` while inside; yields False (and holds nothing) if it is taken.

    The lock lives on a connection of its own (Django's alias "default" reopened under another alias would
    share the settings): a session lock there is independent of the transactions the job commits or rolls
    back on the default connection.
    """
    connection = connections.create_connection("default")
    try:
        connection.set_autocommit(True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, _lock_key(name)])
            (acquired,) = cursor.fetchone()
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, _lock_key(name)])
    finally:
        connection.close()


def job_queue_now(name: str, *, user) -> None:
    """"Run now" from a page: queue the job ``name`` for a worker (the task beat sends, ``TASK_NAME``) once the
    request's transaction commits; it runs there recorded as ``user``'s run. Never run inside the web request."""
    enqueue_on_commit(TASK_NAME, name, user.pk)


def run_job(name: str, *, trigger: str = JobRun.Trigger.BEAT, user=None) -> JobRun | None:
    """Run the job ``name`` now, unless it is already running; returns its JobRun.

    SUCCEEDED or FAILED when it ran, SKIPPED (with the reason) when another run held the lock. ``user`` is the
    staff member who asked for it (trigger USER), None for beat and the command line. A job declared with
    ``record_runs=False`` returns None and writes no JobRun row.
    """
    declared = registered_jobs()[name]
    with job_lock(name) as acquired:
        if not acquired:
            logger.info("job %s is already running; this %s run is skipped", name, trigger)
            if not declared.record_runs:
                return None
            now = timezone.now()
            return JobRun.objects.create(
                job=name,
                trigger=trigger,
                triggered_by=user,
                status=JobRun.Status.SKIPPED,
                started_at=now,
                finished_at=now,
                note="another run of this job was in progress",
            )
        if not declared.record_runs:
            with history_context(actor=user, source=f"job:{name}"):
                declared.func()
            return None
        interrupted = JobRun.objects.filter(job=name, status=JobRun.Status.RUNNING).update(
            # Holding the lock, no other run of this job is alive: a "running" row is one whose worker died.
            status=JobRun.Status.FAILED,
            finished_at=timezone.now(),
            error=INTERRUPTED,
        )
        if interrupted:
            logger.warning("job %s: %d earlier run(s) had been interrupted", name, interrupted)
        run = JobRun.objects.create(job=name, trigger=trigger, triggered_by=user, started_at=timezone.now())
        try:
            with history_context(actor=user, source=f"job:{name}"):
                counts = declared.func() or {}
        except Exception:  # noqa: BLE001  (recorded for ops; the next run retries)
            logger.exception("job %s failed", name)
            run.status = JobRun.Status.FAILED
            run.error = traceback.format_exc()[-4000:]
        else:
            run.status = JobRun.Status.SUCCEEDED
            run.counts = counts
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "counts", "finished_at"])
        return run


def last_runs(names) -> dict[str, JobRun]:
    """The latest run of each job named (one query)."""
    runs = JobRun.objects.filter(job__in=list(names)).order_by("job", "-started_at").distinct("job")
    return {run.job: run for run in runs}


# ---- is every job healthy? (the ops page, the ops card of the home page, /healthz) ------------------------
LATE_GRACE = timedelta(minutes=10)  # a run may start this long after its time before the job counts as late


def previous_fire(schedule: Schedule, now: datetime) -> datetime | None:
    """The latest moment at or before ``now`` at which ``schedule`` was due (Asia/Shanghai for a crontab)."""
    if isinstance(schedule, timedelta):
        return now - schedule
    sched: Any = schedule
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    day = local.date()
    for back in range(0, 400):
        current = day - timedelta(days=back)
        if current.month not in sched.month_of_year or current.day not in sched.day_of_month:
            continue
        if (current.isoweekday() % 7) not in sched.day_of_week:  # crontab: 0 = Sunday
            continue
        for hour in sorted(sched.hour, reverse=True):
            for minute in sorted(sched.minute, reverse=True):
                moment = datetime.combine(current, dtime(hour, minute), tzinfo=local.tzinfo)
                if moment <= local:
                    return moment
    return None


@dataclass(frozen=True)
class JobHealth:
    """A job with its last run and what is wrong with it: it failed last time, or it did not run when due."""

    job: Job
    last: JobRun | None
    failed: bool
    late: bool
    due_at: datetime | None  # when it was last due (scheduled jobs)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.late)


def jobs_health(now: datetime | None = None) -> list[JobHealth]:
    """Every job (by name) with its flags (two queries). Late: a scheduled job whose last start (of any run,
    skipped ones included: another run was going on) is older than the time it was last due, by more than
    ``LATE_GRACE``. A job that never ran counts as late only once the system has recorded some run older than
    that time (a fresh installation is not flagged). Jobs that record no runs (beat's heartbeat) are never
    flagged here: /healthz reports beat itself."""
    now = now or timezone.now()
    jobs = registered_jobs()
    latest = last_runs(jobs)
    last_finished = {
        run.job: run
        for run in JobRun.objects.filter(job__in=list(jobs))
        .exclude(status__in=[JobRun.Status.SKIPPED, JobRun.Status.RUNNING])
        .order_by("job", "-started_at")
        .distinct("job")
    }
    oldest = JobRun.objects.order_by("started_at").values_list("started_at", flat=True).first()
    found = []
    for name, declared in sorted(jobs.items()):
        last = latest.get(name)
        finished = last_finished.get(name)
        failed = finished is not None and finished.status == JobRun.Status.FAILED
        due_at = previous_fire(declared.schedule, now) if declared.schedule is not None else None
        late = False
        judged = due_at is not None and (
            isinstance(declared.schedule, timedelta) or now - due_at > LATE_GRACE
        )
        if declared.record_runs and due_at is not None and judged:
            if last is not None:
                late = last.started_at < due_at - LATE_GRACE
            else:
                late = oldest is not None and oldest < due_at - LATE_GRACE
        found.append(JobHealth(declared, last, failed, late, due_at))
    return found


# ---- schedules in words ------------------------------------------------------------------------------
def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")


def describe_schedule(schedule: Schedule | None) -> str:
    """The schedule in words, Asia/Shanghai: "every 5 minutes", "daily at 01:30", "by hand"."""
    if schedule is None:
        return "by hand (or started by another job)"
    if isinstance(schedule, timedelta):
        seconds = int(schedule.total_seconds())
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if seconds % size == 0:
                count = seconds // size
                return f"every {unit}" if count == 1 else f"every {_plural(count, unit)}"
        return f"every {_plural(seconds, 'second')}"
    schedule_: Any = schedule  # celery-types leaves out crontab's expanded fields (sets of ints)
    minutes, hours = sorted(schedule_.minute), sorted(schedule_.hour)
    every_day_of_month = len(schedule_.day_of_month) == 31
    every_month = len(schedule_.month_of_year) == 12
    every_weekday = len(schedule_.day_of_week) == 7
    if len(minutes) == 1 and len(hours) == 1 and every_month:
        at = f"{hours[0]:02d}:{minutes[0]:02d}"
        if every_day_of_month and every_weekday:
            return f"daily at {at}"
        if every_day_of_month:
            names = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
            return f"at {at} on " + ", ".join(names[d] for d in sorted(schedule_.day_of_week))
        if every_weekday:
            days = ", ".join(str(d) for d in sorted(schedule_.day_of_month))
            return f"at {at} on day {days} of every month"
    if len(hours) == 24 and every_day_of_month and every_month and every_weekday:
        return "at minutes " + ", ".join(str(m) for m in minutes) + " of every hour"
    return f"crontab {schedule!r}"


def schedule_words(schedule: Schedule | None) -> str:
    """The schedule in words for people, translated: "每15分钟", "每天 01:30", "每月1日 06:00"."""
    if schedule is None:
        return gettext("仅手动运行（或由其他任务启动）")
    if isinstance(schedule, timedelta):
        seconds = int(schedule.total_seconds())
        if seconds % 86400 == 0:
            return gettext("每%(n)d天") % {"n": seconds // 86400} if seconds > 86400 else gettext("每天")
        if seconds % 3600 == 0:
            return gettext("每%(n)d小时") % {"n": seconds // 3600} if seconds > 3600 else gettext("每小时")
        if seconds % 60 == 0:
            return gettext("每%(n)d分钟") % {"n": seconds // 60} if seconds > 60 else gettext("每分钟")
        return gettext("每%(n)d秒") % {"n": seconds}
    sched: Any = schedule
    minutes, hours = sorted(sched.minute), sorted(sched.hour)
    every_dom, every_month, every_dow = (
        len(sched.day_of_month) == 31,
        len(sched.month_of_year) == 12,
        len(sched.day_of_week) == 7,
    )
    if len(minutes) == 1 and len(hours) == 1 and every_month:
        at = f"{hours[0]:02d}:{minutes[0]:02d}"
        if every_dom and every_dow:
            return gettext("每天 %(at)s") % {"at": at}
        if every_dow:
            days = "、".join(str(d) for d in sorted(sched.day_of_month))
            return gettext("每月%(days)s日 %(at)s") % {"days": days, "at": at}
        if every_dom:
            names = [
                gettext("周日"),
                gettext("周一"),
                gettext("周二"),
                gettext("周三"),
                gettext("周四"),
                gettext("周五"),
                gettext("周六"),
            ]
            days = "、".join(names[d] for d in sorted(sched.day_of_week))
            return gettext("每%(days)s %(at)s") % {"days": days, "at": at}
    return describe_schedule(schedule)


# ---- the shared app's own jobs ----------------------------------------------------------------------
@job(
    "common.beat_heartbeat",
    schedule=timedelta(minutes=1),
    record_runs=False,
    title=_("记录定时调度心跳（/healthz 据此判断调度和后台任务是否正常）"),
)
def beat_heartbeat() -> dict:
    """Record beat's tick (shown on /healthz): proves beat and a worker are alive."""
    heartbeat_record(name="beat")
    return {}


@job("notifications.resend", schedule=timedelta(minutes=5), title=_("重发未发出的短信（最多5次）"))
def resend_queued_notifications() -> dict:
    """Send SMS left queued: their Celery message was lost (broker down) or the backend failed."""
    return {"sent": notification_resend_queued()}
