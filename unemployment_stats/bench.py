"""Benchmark scenarios of the monthly statistics (``manage.py bench``; DESIGN.md performance targets): the province's
monthly report ≤ 10 s and one city's ≤ 2 s at a million registrations (``make bench PEOPLE=1700000``: about
1,020,000 registrations), and xlsx export ≥ 20,000 rows/s (20,000 detail rows written in ≤ 1 s).

The synthetic registrations of ``manage.py seed_scale`` are all active, registered over the last months: the
report of the last closed period counts them all, which is the worst case for the stock query.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from common.bench import BenchContext, SkipScenario, scenario
from common.xlsx import XlsxWriter
from offices.models import Region

from .exports import DETAIL_HEADER, detail_rows
from .figures import compute
from .periods import last_closed_period

EXPORT_ROWS = 20_000


def _registrations() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'registration_registration'")
        row = cursor.fetchone()
    count = int(row[0]) if row else 0
    if count <= 0:
        raise SkipScenario("no registrations: run manage.py seed_scale --people N first")
    return count


def _biggest_city() -> Region:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.code FROM registration_registration r JOIN offices_region g ON g.code = r.region_id "
            "JOIN offices_region c ON c.code = g.parent_id AND c.level = 2 "
            "GROUP BY c.code ORDER BY count(*) DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        raise SkipScenario("no registrations in any city")
    return Region.objects.get(code=row[0])


@scenario(
    "unemployment_stats.province_report",
    target_ms_p95=10_000,
    description="monthly report of the whole province (set-based, every row and breakdown)",
    max_iterations=3,
)
def province_report(ctx: BenchContext):
    _registrations()
    province = Region.objects.get(code="410000")
    period = last_closed_period(timezone.localdate())
    return lambda i: compute(province, period)


@scenario(
    "unemployment_stats.city_report",
    target_ms_p95=2_000,
    description="monthly report of the city with the most registrations",
    max_iterations=10,
)
def city_report(ctx: BenchContext):
    _registrations()
    city = _biggest_city()
    period = last_closed_period(timezone.localdate())
    return lambda i: compute(city, period)


@scenario(
    "unemployment_stats.xlsx_20000_rows",
    target_ms_p95=1_000,
    description="20,000 rows of the detail list written to xlsx (≥ 20,000 rows/s)",
    max_iterations=10,
)
def xlsx_rows(ctx: BenchContext):
    _registrations()
    province = Region.objects.get(code="410000")
    period = last_closed_period(timezone.localdate())
    rows = []
    for row in detail_rows(province, period, "stock"):
        rows.append(row)
        if len(rows) == EXPORT_ROWS:
            break
    if len(rows) < EXPORT_ROWS:
        raise SkipScenario(f"only {len(rows)} registered unemployed: seed more people")

    def write(i: int) -> int:
        book = XlsxWriter()
        sheet = book.sheet("期末登记失业人员", header=DETAIL_HEADER)
        for row in rows:
            sheet.append(row)
        return len(book.to_bytes())

    return write
