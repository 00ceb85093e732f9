"""Benchmark of the daily upload (DESIGN.md: "daily upload job: 20,000 records validated, sent to the simulator
and acknowledged in ≤ 30 s").

Setup (not timed): 20,000 effective exits per run, each day's on registrations of the seeded people
(``manage.py seed_scale``), their uploads opened by the scan, and the simulator started as a separate process on
a free port with an empty data folder. A timed run is ``services.upload_exits(only_day=…)`` for one day: the scan,
then claim, validation, sending in batches of 1,000 over HTTP and recording every acknowledgement. Exits left by
an earlier bench run (serials starting ``TB``) are deleted first.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pgtrigger
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from common.bench import BenchContext, SkipScenario, scenario
from deregistration.models import Exit
from offices.models import User
from registration.models import Registration

from .models import ExitUpload
from .services import upload_exits, uploads_open
from .simulator.testing import free_port, start_simulator_process, stop_process
from .transport import HttpTransport

RECORDS = 20_000
SERIAL_PREFIX = "TB"
APP_ID = "bench"
SECRET = "bench-only-secret"


def _clean() -> None:
    with pgtrigger.ignore("national_sync.ExitUpload:delete_delete", "deregistration.Exit:delete_delete"):
        ExitUpload.objects.filter(exit__serial__startswith=SERIAL_PREFIX).delete()
        Exit.objects.filter(serial__startswith=SERIAL_PREFIX).delete()


def _make_exits(days: list) -> None:
    """Synthetic effective exits, written by SQL like ``seed_scale``'s people (bench data only: the services are
    the one way an exit is made in the system; making 40,000 through them would take the bench many minutes).
    Columns the bench does not set take their model default, so a new field with a default does not break it."""
    user, _ = User.objects.get_or_create(
        username="bench_national_sync", defaults={"handler_name": "基准经办", "is_active": False}
    )
    open_exit = Exit.objects.filter(registration=OuterRef("pk")).exclude(status=Exit.Status.RETURNED)
    rows = list(
        Registration.objects.filter(~Exists(open_exit))
        .order_by("pk")
        .values_list(
            "pk",
            "region_id",
            "person__name",
            "person__id_type",
            "person__id_number",
            "person__social_security_number",
        )[: RECORDS * len(days)]
    )
    if len(rows) < RECORDS * len(days):
        raise SkipScenario(f"needs {RECORDS * len(days)} registrations: make bench PEOPLE=100000 or more")
    now = timezone.now()
    fields = [f for f in Exit._meta.concrete_fields if not f.primary_key]
    columns = [str(f.column) for f in fields]
    defaults = {f.column: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    values = []
    for n, (pk, region, name, id_type, id_number, ssn) in enumerate(rows):
        day = days[n // RECORDS]
        row = {
            **defaults,
            "registration_id": pk,
            "region_id": region,
            "status": str(Exit.Status.EFFECTIVE),
            "reason": "11",
            "deregistered_on": day - timedelta(days=1),
            "proposed_by_id": user.pk,
            "proposed_at": now,
            "region_code": region,
            "serial": f"{SERIAL_PREFIX}{day:%y%m%d}{n:010d}",
            "handler_name": user.handler_name,
            "effective_on": day,
            "name": name,
            "id_type": id_type,
            "id_number": id_number,
            "social_security_number": ssn or (id_number if len(id_number) <= 18 else ""),
            "created_at": now,
            "updated_at": now,
        }
        values.append([row[c] for c in columns])
    table = Exit._meta.db_table
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608  (model names)
            values,
        )


@scenario(
    "national_sync.upload_day",
    target_ms_p95=30_000,
    description="the daily upload of 20,000 exit records: validated, sent to the simulator, acknowledged",
    max_iterations=1,
)
def upload_day(ctx: BenchContext):
    _clean()
    today = timezone.localdate()
    days = [today - timedelta(days=i) for i in range(ctx.calls)][::-1]
    _make_exits(days)
    uploads_open(since=days[0])
    env = {**os.environ, "NATIONAL_SYNC_APP_ID": APP_ID, "NATIONAL_SYNC_APP_SECRET": SECRET}
    proc, url = start_simulator_process(
        port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="ministry-sim-bench-")), env=env
    )
    atexit.register(stop_process, proc)
    transport = HttpTransport(base_url=url + "/api/v1", app_id=APP_ID, secret=SECRET, max_attempts=1)

    def step(i: int) -> None:
        counts = upload_exits(only_day=days[i], transport=transport, batch_size=1000)
        if counts["acknowledged"] != RECORDS:
            raise RuntimeError(f"expected {RECORDS} acknowledged, got {counts}")

    return step


# ---- the national platform exchange: local registrations pushed (the backfill's pace) ----------------------
PUSHES = 20_000


def _push_rows(group: int) -> list:
    from registration.models import Application

    from .exchange_models import NationalPush

    rows = list(
        Registration.objects.filter(
            channel__in=[Application.Channel.COUNTER, Application.Channel.ONLINE],
            region__is_local=False,
            person__id_type="01",
        )
        .exclude(person__social_security_number="")
        .order_by("pk")
        .values_list("pk", "number", "region_id", "registered_on")[group * PUSHES : (group + 1) * PUSHES]
    )
    if len(rows) < PUSHES:
        raise SkipScenario(f"needs {PUSHES * (group + 1)} registrations: make bench PEOPLE=100000 or more")
    return [
        NationalPush(
            kind=NationalPush.Kind.REGISTRATION,
            registration_id=pk,
            key=f"{region}/{number}",
            region_id=region,
            day=day,
        )
        for pk, number, region, day in rows
    ]


@scenario(
    "national_sync.push_registrations",
    target_ms_p95=30_000,
    description="20,000 local registrations pushed to the simulator (the backfill's pace): built, validated, "
    "sent in batches of 1,000 and acknowledged",
    max_iterations=1,
)
def push_registrations(ctx: BenchContext):
    from .exchange import HttpExchange
    from .exchange_models import NationalPush
    from .pushes import push_records

    with pgtrigger.ignore("national_sync.NationalPush:delete_delete"):
        NationalPush.objects.all().delete()
    groups = [_push_rows(i) for i in range(ctx.calls)]
    env = {**os.environ, "NATIONAL_SYNC_APP_ID": APP_ID, "NATIONAL_SYNC_APP_SECRET": SECRET}
    proc, url = start_simulator_process(
        port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="ministry-sim-bench-")), env=env
    )
    atexit.register(stop_process, proc)
    exchange = HttpExchange(
        HttpTransport(base_url=url + "/api/v1", app_id=APP_ID, secret=SECRET, max_attempts=1)
    )

    def step(i: int) -> None:
        NationalPush.objects.bulk_create(groups[i], batch_size=5000)  # the scan's part, timed
        counts = push_records(exchange=exchange, batch_size=1000, scan=False)
        if counts.get("registration_acknowledged") != PUSHES:
            raise RuntimeError(f"expected {PUSHES} acknowledged, got {counts}")

    return step
