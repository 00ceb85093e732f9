"""Personas shared by every test (HC-style alice/bob/charlie): staff of the Jiaozuo demo offices.

The test database is real PostgreSQL (scripts/devstack.py starts it); regions, code tables and the
working-day calendar come from the data migrations, exactly as in production.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from offices.models import Office, User
from offices.roles import Role

ROOT = Path(__file__).resolve().parents[1]

PASSWORD = "s3cret-pass-123"


def make_staff(username: str, office: Office | None, *roles: str, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        office=office,
        handler_name=extra.pop("handler_name", username[:20]),
        **extra,
    )
    user.groups.set(Group.objects.filter(name__in=[str(r) for r in roles]))
    return user


@pytest.fixture
def office_jiefang(db) -> Office:
    return Office.objects.create(code="T410802", name="解放区公共就业服务中心", region_id="410802")


@pytest.fixture
def office_wenxian(db) -> Office:
    return Office.objects.create(code="T410825", name="温县公共就业服务中心", region_id="410825")


@pytest.fixture
def office_jiaozuo(db) -> Office:
    return Office.objects.create(code="T410800", name="焦作市公共就业服务中心", region_id="410800")


@pytest.fixture
def caseworker_jiefang(office_jiefang) -> User:
    return make_staff("cw_jiefang", office_jiefang, Role.CASEWORKER, handler_name="李经办")


@pytest.fixture
def caseworker_wenxian(office_wenxian) -> User:
    return make_staff("cw_wenxian", office_wenxian, Role.CASEWORKER, handler_name="王经办")


@pytest.fixture
def supervisor_jiaozuo(office_jiaozuo) -> User:
    return make_staff("sup_jiaozuo", office_jiaozuo, Role.SUPERVISOR, handler_name="赵主管")


@pytest.fixture
def ops_jiaozuo(office_jiaozuo) -> User:
    return make_staff("ops_jiaozuo", office_jiaozuo, Role.OPS, handler_name="孙运维", is_staff=True)


# ---- committed data (live server, Celery worker) ----------------------------------------------------
# Tests whose data must be seen by another process or thread (the browser tests' live server, a real Celery
# worker) run transactionally: rows are committed and the tables are flushed afterwards. A flush also wipes
# what the migrations loaded (regions, code tables, calendar, role groups); ``committed_db`` puts it back
# before each such test and, at the end of the session, for good (--reuse-db keeps the database).
# Django's serialized rollback cannot be used here: the serializer leaves out the copy of a model's own
# primary key in pghistory event tables (CalendarDayEvent.date comes back NULL), and reloading over
# existing rows updates append-only event rows, which their triggers refuse. So the migration data is
# copied out of PostgreSQL once (COPY ... TO STDOUT) and copied back in with triggers disabled.
class MigrationData:
    """Every non-empty table as the migrations left it: regions, code tables, calendar, roles, history."""

    def __init__(self, connection) -> None:
        self.tables: dict[str, tuple[str, bytes]] = {}
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.django_table_names(only_existing=True)):
                cursor.execute(f"SELECT EXISTS (SELECT FROM {quote(table)})")
                if not cursor.fetchone()[0]:
                    continue
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    [table],
                )
                columns = ", ".join(quote(name) for (name,) in cursor.fetchall())
                with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) TO STDOUT") as copy:
                    self.tables[table] = (columns, b"".join(bytes(chunk) for chunk in copy))

    def restore(self, connection) -> None:
        """Empty these tables (a flush's post_migrate refills some with new ids) and load the copies.

        Triggers are off while loading, so no history events are written for the reload; foreign keys
        are deferred, so the tables load in any order and are checked together. The id sequences then
        move past the restored rows.
        """
        from django.apps import apps

        quote = connection.ops.quote_name
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in self.tables)} RESTART IDENTITY CASCADE")
            for table in self.tables:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
            for table, (columns, data) in self.tables.items():
                with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
                    copy.write(data)
            # Check the deferred keys now: ALTER TABLE refuses while trigger events are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in self.tables:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
            models = apps.get_models(include_auto_created=True)
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


@pytest.fixture(scope="session")
def _migration_data(django_db_setup, django_db_blocker) -> Iterator[MigrationData]:
    """Taken once per session; put back for good at its end, as --reuse-db keeps this database."""
    from offices.models import Region

    with django_db_blocker.unblock():
        if not Region.objects.exists():
            pytest.fail(
                "The kept test database has lost the data its migrations load (no regions), probably "
                "through an interrupted browser test run. Run the tests once with --create-db.",
                pytrace=False,
            )
        data = MigrationData(connections[DEFAULT_DB_ALIAS])
    yield data
    with django_db_blocker.unblock():  # after the last test's flush
        data.restore(connections[DEFAULT_DB_ALIAS])


@pytest.fixture
def committed_db(_migration_data: MigrationData, transactional_db) -> None:
    """Like ``transactional_db``, starting from the migrations' data in every test."""
    _migration_data.restore(connections[DEFAULT_DB_ALIAS])


def test_database_url() -> str:
    """The URL of the database this test session uses (pytest-django's test_… database), for subprocesses."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    host = s["HOST"] or s.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):  # a Unix socket folder (the embedded PostgreSQL)
        return f"postgresql://{auth}@/{s['NAME']}?host={host}"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{auth}@{host}{port}/{s['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def start_celery_worker(
    extra_env: dict[str, str] | None = None, name_prefix: str = "test"
) -> subprocess.Popen:
    """Start a `celery worker` subprocess on the test database and the test Redis, from an empty queue (``--purge``:
    tasks queued by earlier tests that had no worker, e.g. browser tests, are not ours), and wait until it is
    ready; fail the test if it exits or is not ready within 60 s. ``extra_env`` adds or overrides environment
    variables of the worker. The process keeps its log in ``proc.output`` (lines read so far) and ``proc.lines``
    (a queue of the lines not yet read). Stop it with :func:`stop_celery_worker`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
            "--purge",
            "-n",
            f"{name_prefix}-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    output: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        output.append(line)
        if " ready." in line:
            break
    else:
        proc.kill()
        proc.wait()
        pytest.fail("the Celery worker did not start:\n" + "".join(output))
    if proc.poll() is not None:
        pytest.fail("the Celery worker exited:\n" + "".join(output))
    proc.output = output  # type: ignore[attr-defined]
    proc.lines = lines  # type: ignore[attr-defined]
    return proc


def stop_celery_worker(proc: subprocess.Popen) -> None:
    """Stop a worker from :func:`start_celery_worker` if it still runs: SIGTERM, then SIGKILL after 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def celery_worker() -> Iterator[subprocess.Popen]:
    """A `celery worker` subprocess on the test database and the test Redis, starting from an empty queue;
    stopped after the test. Use it with committed data (``committed_db`` or a browser test's live server)."""
    proc = start_celery_worker()
    yield proc
    stop_celery_worker(proc)
