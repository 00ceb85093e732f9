"""What /healthz reports: the database, the broker and the time of Celery beat's last tick."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

BEAT_STALE_AFTER = timedelta(minutes=3)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001  (any failure means "down"; the message is the diagnosis)
        return {"ok": False, "error": str(exc).strip()[:200]}
    return {"ok": True}


def check_broker() -> dict:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc).strip()[:200]}
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


def health_report() -> tuple[dict, int]:
    """The report and its HTTP status: 200 while the database answers, 503 when it does not."""
    database = check_database()
    report: dict[str, Any] = {
        "database": database,
        "broker": check_broker(),
        "beat": beat_last_tick(database["ok"]),
        "time": timezone.localtime().isoformat(),
    }
    report["status"] = "ok" if all(report[k]["ok"] for k in ("database", "broker", "beat")) else "degraded"
    if not database["ok"]:
        report["status"] = "down"
    return report, 200 if database["ok"] else 503
