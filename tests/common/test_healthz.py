"""/healthz: database, broker and beat's last tick; 200 while the database is up."""

import pytest
from django.urls import reverse

from common import health
from common.jobs import run_job
from common.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_it_reports_the_database_and_the_real_broker_as_up(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True}


def test_it_reports_beat_as_missing_until_the_first_tick_and_then_its_time(client):
    body = client.get(reverse("healthz")).json()
    assert body["beat"] == {"last_tick": None, "ok": False}
    assert body["status"] == "degraded"
    run_job("common.beat_heartbeat")  # what beat's schedule runs every minute
    body = client.get(reverse("healthz")).json()
    assert body["beat"]["ok"] is True
    assert body["beat"]["last_tick"].endswith("+08:00")
    assert body["status"] == "ok"


def test_it_flags_a_stale_beat(client, time_machine):
    time_machine.move_to("2026-11-25 09:00:00+08:00", tick=False)
    heartbeat_record(name="beat")
    time_machine.move_to("2026-11-25 09:10:00+08:00", tick=False)
    body = client.get(reverse("healthz")).json()
    assert body["beat"] == {"last_tick": "2026-11-25T09:00:00+08:00", "ok": False}


def test_it_answers_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "check_database", lambda: {"ok": False, "error": "connection refused"})
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_it_reports_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = client.get(reverse("healthz")).json()
    assert body["broker"]["ok"] is False
    assert body["status"] == "degraded"


def test_it_only_answers_get(client):
    assert client.post(reverse("healthz")).status_code == 405
