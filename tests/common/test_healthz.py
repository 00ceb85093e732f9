"""/healthz: database, broker and beat's last tick; 200 while the database is up. Anonymous callers learn the
status alone; signed-in ops and administrators the detail, never an exception's text."""

import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from common import health
from common.jobs import run_job
from common.services import heartbeat_record

pytestmark = pytest.mark.django_db

# What psycopg says when the server's socket is gone: the path and user are nobody else's business.
SOCKET_ERROR = (
    'connection failed: connection to server on socket "/srv/app/var/pg/.s.PGSQL.5432" failed: '
    'FATAL:  role "app_owner" does not exist'
)


@pytest.fixture
def client(client, ops_jiaozuo):
    """These tests read the detail: signed in as ops (anonymous callers are tested below with ``anonymous``)."""
    client.force_login(ops_jiaozuo)
    return client


@pytest.fixture
def anonymous(db):
    from django.test import Client

    return Client()


class _BrokenConnection:
    def cursor(self):
        raise OperationalError(SOCKET_ERROR)


def test_it_tells_anonymous_callers_only_whether_it_is_up(anonymous):
    response = anonymous.get(reverse("healthz"))
    assert response.status_code == 200  # what the container healthcheck reads
    assert response.json() in ({"status": "ok"}, {"status": "starting"}, {"status": "degraded"})


def test_it_tells_anonymous_callers_only_that_it_is_down_without_the_database_error(anonymous, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    response = anonymous.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "down"}
    assert b"socket" not in response.content


def test_it_keeps_the_database_error_text_out_of_the_detail_and_in_the_server_log(
    client, monkeypatch, caplog
):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    with caplog.at_level(logging.ERROR, logger="common.health"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {"ok": False, "error": "unreachable"}
    assert "socket" not in response.content.decode() and "app_owner" not in response.content.decode()
    assert ".s.PGSQL.5432" in caplog.text  # ops find the cause in the server log


def test_it_keeps_the_broker_error_text_out_of_the_detail(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    body = client.get(reverse("healthz")).json()
    assert body["broker"] == {"ok": False, "error": "unreachable"}


def test_it_shows_the_detail_to_ops_and_administrators_but_not_to_caseworkers(
    anonymous, ops_jiaozuo, caseworker_jiefang, office_jiaozuo
):
    from offices.roles import Role
    from tests.conftest import make_staff

    administrator = make_staff("admin_jz", office_jiaozuo, Role.ADMINISTRATOR)
    for user, detail in ((ops_jiaozuo, True), (administrator, True), (caseworker_jiefang, False)):
        anonymous.force_login(user)
        body = anonymous.get(reverse("healthz")).json()
        assert ("database" in body) is detail, user.username
        assert "status" in body


def test_it_reports_the_database_and_the_real_broker_as_up(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True}


def test_it_says_starting_while_beat_has_not_had_the_time_to_tick(client, monkeypatch):
    monkeypatch.setattr(health, "STARTED_AT", timezone.now() - timedelta(seconds=30))
    body = client.get(reverse("healthz")).json()
    assert body["beat"] == {"last_tick": None, "ok": False}
    assert body["status"] == "starting"


def test_it_reports_beat_as_missing_until_the_first_tick_and_then_its_time(client, monkeypatch):
    monkeypatch.setattr(health, "STARTED_AT", timezone.now() - timedelta(minutes=5))  # up for a while
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
