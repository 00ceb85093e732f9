"""Behind the reverse proxy: gunicorn serving the real WSGI stack, with real X-Forwarded-For headers. The
applicants' hourly limit counts each client, not the proxy, and only when the header comes from a proxy the
settings trust (TRUSTED_PROXIES)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import test_database_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(db):
    """Start gunicorn on the test database with the given TRUSTED_PROXIES; yields its base URL."""
    procs = []

    def start(trusted: str) -> str:
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": test_database_url(),
            "TRUSTED_PROXIES": trusted,
            "PROGRESS_QUERY_LIMIT_PER_HOUR": "2",
            "DJANGO_CACHE_PREFIX": f"proxy-{uuid.uuid4().hex}",  # counts of this server only
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                return base
            except requests.ConnectionError:
                if proc.poll() is not None:
                    pytest.fail("gunicorn exited:\n" + proc.stderr.read())
                time.sleep(0.2)
        pytest.fail("gunicorn did not start")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=15)
        print(proc.stderr.read()[-3000:])  # shown by pytest when the test failed


def progress_queries(base: str, forwarded_for: list[str]) -> list[int]:
    """POST the progress query once per header value (each with a fresh CSRF token); the status codes."""
    session = requests.Session()
    codes = []
    for address in forwarded_for:
        page = session.get(f"{base}/apply/status/", timeout=10)
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        response = session.post(
            f"{base}/apply/status/",
            data={"csrfmiddlewaretoken": token, "number": "SQ000", "id_number": "x"},
            headers={"X-Forwarded-For": address, "Referer": f"{base}/apply/status/"},
            timeout=10,
        )
        codes.append(response.status_code)
    return codes


def test_the_limit_counts_each_client_behind_a_trusted_proxy(gunicorn):
    base = gunicorn("127.0.0.1")  # the test plays the proxy on loopback
    assert progress_queries(base, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 200]
    assert progress_queries(base, ["198.51.100.4"] * 3) == [200, 200, 429]  # one client, limit 2


def test_a_forwarding_header_from_an_untrusted_peer_does_not_make_new_clients(gunicorn):
    base = gunicorn("10.255.255.1")  # some other proxy; loopback is not trusted
    assert progress_queries(base, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 429]
