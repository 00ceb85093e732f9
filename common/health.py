"""What /healthz reports: the database, the broker and the time of Celery beat's last tick.

The report never carries an exception's text (it can name hosts, socket paths, users): a failed check says
"unreachable" and the exception goes to the server log. ``public_report`` is all an anonymous caller gets.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)
BEAT_STALE_AFTER = timedelta(minutes=3)
# When this process started: beat has had no chance to tick yet during its first BEAT_STALE_AFTER, and a system
# that has just started is "starting", not "degraded".
STARTED_AT = timezone.now()
UNREACHABLE = "unreachable"


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001  (any failure means "down"; the diagnosis goes to the log only)
        logger.exception("health check: the database is unreachable")
        return {"ok": False, "error": UNREACHABLE}
    return {"ok": True}


def check_broker() -> dict:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception:  # noqa: BLE001
        logger.exception("health check: the broker is unreachable")
        return {"ok": False, "error": UNREACHABLE}
    return {"ok": True}


def beat_last_tick(database_ok: bool) -> dict:
    if not database_ok:
        return {"last_tick": None, "ok": False}
    from .models import Heartbeat

    at = Heartbeat.objects.filter(name="beat").values_list("at", flat=True).first()
    if at is None:
        return {"last_tick": None, "ok": False}
    return {
        "last_tick": timezone.localtime(at).isoformat(),
        "ok": timezone.now() - at <= BEAT_STALE_AFTER,
    }


def jobs_report(database_ok: bool) -> dict:
    """The periodic jobs that failed last time or did not run when due (the ops page has the detail)."""
    if not database_ok:
        return {"ok": False, "failed": [], "late": []}
    from .jobs import jobs_health

    try:
        health = jobs_health()
    except Exception:  # noqa: BLE001  (a broken job module must not take /healthz down)
        logger.exception("health check: the jobs could not be checked")
        return {"ok": False, "failed": [], "late": [], "error": UNREACHABLE}
    failed = [h.job.name for h in health if h.failed]
    late = [h.job.name for h in health if h.late]
    return {"ok": not failed and not late, "failed": failed, "late": late}


def health_report() -> tuple[dict, int]:
    """The report and its HTTP status: 200 while the database answers, 503 when it does not."""
    database = check_database()
    report: dict[str, Any] = {
        "database": database,
        "broker": check_broker(),
        "beat": beat_last_tick(database["ok"]),
        "jobs": jobs_report(database["ok"]),
        "time": timezone.localtime().isoformat(),
    }
    report["status"] = (
        "ok" if all(report[k]["ok"] for k in ("database", "broker", "beat", "jobs")) else "degraded"
    )
    if (
        report["status"] == "degraded"
        and database["ok"]
        and report["broker"]["ok"]
        and report["jobs"]["ok"]
        and timezone.now() - STARTED_AT < BEAT_STALE_AFTER
    ):
        report["status"] = "starting"  # only beat is missing, and it has not had the time to tick yet
    if not database["ok"]:
        report["status"] = "down"
    return report, 200 if database["ok"] else 503


def public_report(report: dict) -> dict:
    """What anyone may read: the overall status alone ("ok", "starting", "degraded" or "down")."""
    return {"status": report["status"]}
