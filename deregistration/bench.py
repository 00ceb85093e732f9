"""Benchmark scenario of stage 3 (``manage.py bench``; issue 10 "Must show" 3): the import of 100,000 pension
awards matched against the registrations of a province (≤ 60 s; the target names 1,000,000 registrations).

The list is made before the timing from the seeded people (``manage.py seed_scale``): 100,000 citizen ID
numbers drawn at random from every seeded person, so about as many match an active registration as the seed
registered (60 %), and the rest are listed as "no matching active registration". A file holds at most
``common.tables.MAX_ROWS`` (50,000) rows, so the 100,000 rows come as two CSV files, each imported exactly as
ops do it (``exit_import``: the cheap checks, the batch, then the import job reading, checking, matching and
inserting chunk by chunk), by a province-level ops user. Each run is rolled back, so every run does the whole
work again.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from common.bench import BenchContext, SkipScenario, scenario
from common.tables import MAX_ROWS
from offices.models import Office, Region, User
from registration.models import Person, Registration

from .imports import exit_import

PROVINCE = "410000"
ROWS = 100_000
OPS_USERNAME = "bench_ops_province"


def province_ops() -> User:
    """An ops user of a province-level office (made once; inactive and password-less: it cannot sign in)."""
    try:
        region = Region.objects.get(code=PROVINCE)
    except Region.DoesNotExist:
        raise SkipScenario(f"region {PROVINCE} missing: run migrate") from None
    office, _ = Office.objects.get_or_create(
        code="BENCH-PROVINCE", defaults={"name": "省级（基准测试）", "region": region, "is_active": True}
    )
    user, _ = User.objects.get_or_create(
        username=OPS_USERNAME,
        defaults={"office": office, "is_active": False, "password": "!", "handler_name": "基准运维"},
    )
    return user


def pension_files(ctx: BenchContext, rows: int | None = None) -> list[tuple[str, bytes]]:
    """``rows`` (default ``ROWS``) pension award rows of random seeded people, as CSV files of at most ``MAX_ROWS`` rows each."""
    rows = rows or ROWS
    bounds = Person.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        raise SkipScenario("no people: run manage.py seed_scale --people N first")
    ids = list(Person.objects.values_list("id_number", flat=True).order_by("id"))
    picked = (
        [ids[ctx.rng.randrange(len(ids))] for _ in range(rows)]
        if len(ids) < rows
        else ctx.rng.sample(ids, rows)
    )
    today = timezone.localdate()
    files = []
    for part, start in enumerate(range(0, rows, MAX_ROWS), start=1):
        lines = ["身份证号,姓名,待遇核定日期,来源或依据"]
        lines += [
            f"{number},,{today.replace(day=1):%Y-%m-%d},养老保险待遇核定（基准测试）"
            for number in picked[start : start + MAX_ROWS]
        ]
        files.append((f"养老保险待遇核定名单{part}.csv", ("\n".join(lines) + "\n").encode()))
    return files


@scenario(
    "deregistration.pension_import",
    target_ms_p95=60_000,
    description="100,000 pension awards (two 50,000-row CSV files) imported and matched against the registrations, "
    "proposals inserted (rolled back after each run)",
    max_iterations=3,
)
def pension_import(ctx: BenchContext):
    if not Registration.objects.filter(status=Registration.Status.ACTIVE).exists():
        raise SkipScenario("no registrations: run manage.py seed_scale --people N first")
    user = province_ops()
    files = pension_files(ctx)

    def step(i: int) -> None:
        with transaction.atomic():
            proposed = 0
            for name, content in files:
                batch = exit_import(
                    file=SimpleUploadedFile(name, content, content_type="text/csv"),
                    kind="exit_pension",
                    user=user,
                )
                proposed += batch.created_rows
            if not proposed:
                raise RuntimeError("the pension import proposed nothing")
            transaction.set_rollback(True)  # every run does the whole work again

    return step
