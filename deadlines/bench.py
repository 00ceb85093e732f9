"""Benchmark scenarios of the deadline machinery (``manage.py bench``; issue 12 "Must show" 3, DESIGN.md
"Performance targets"):

- ``deadlines.dashboard_city``: the supervisors' dashboard of the city with the most registrations, as the page
  builds it (every clock by state, by office, by caseworker; the on-time rates; rendered), p95 ≤ 150 ms. Its setup
  also times hand-written SQL computing the same numbers and prints both p95s and their ratio (target ≤ 2×).
- ``deadlines.sweep``: the escalation sweep over the whole province, p95 ≤ 5 s, rolled back after each run so that
  every run does the whole work again. The follow-up stage's bench data leaves about 1 % of the registrations
  with an open first contact that is due (one in a hundred of those older than ten days never contacted, plus
  the last days' new ones).

Untimed setup, once: every stage's ``bench_data`` (follow-up: the cases and this month's follow-ups), a supervisor
for every office with registrations and one city office with its supervisor, the on-time statistics. The
dashboard reads the stages only through their declared clocks; this module names no stage either (the SQL below
names their tables, which is what "hand-written" means).
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count
from django.test import RequestFactory
from django.utils import timezone

from common.bench import BenchContext, SkipScenario, percentile, scenario
from offices.models import Office, Region, User
from offices.roles import Role
from portal.plugins import bench_loaders

from . import selectors
from .models import ClockMonth
from .services import alerts_sweep, clock_loads_refresh, clock_months_refresh, month_start
from .views import dashboard_view

SUPERVISOR_PREFIX = "bench_sup_"
CITY_OFFICE_PREFIX = "BENCHCITY"


def _busiest_city() -> Region:
    row = (
        Office.objects.filter(region__level=Region.Level.COUNTY, region__parent__isnull=False)
        .values("region__parent")
        .annotate(n=Count("registrations"))
        .order_by("-n")
        .first()
    )
    if not row or not row["n"]:
        raise SkipScenario("no registrations: run manage.py seed_scale --people N first")
    return Region.objects.get(code=row["region__parent"])


def bench_supervisors(city: Region) -> User:
    """A supervisor for every office with registrations and one for the city (inactive, password-less), made once;
    returns the city's."""
    group = Group.objects.get(name=Role.SUPERVISOR)
    city_office, _ = Office.objects.get_or_create(
        code=f"{CITY_OFFICE_PREFIX}{city.code}",
        defaults={"name": f"{city.name}公共就业服务中心（基准测试）", "region": city},
    )
    offices = list(Office.objects.filter(registrations__isnull=False).distinct()) + [city_office]
    existing = set(
        User.objects.filter(username__startswith=SUPERVISOR_PREFIX).values_list("username", flat=True)
    )
    new = [
        User(
            username=f"{SUPERVISOR_PREFIX}{o.code}", office=o, handler_name=f"主管{o.code}"[:20], password="!"
        )
        for o in offices
        if f"{SUPERVISOR_PREFIX}{o.code}" not in existing
    ]
    User.objects.bulk_create(new)
    if new:
        group.user_set.add(*User.objects.filter(username__in=[u.username for u in new]))
    user = User.objects.select_related("office__region").get(
        username=f"{SUPERVISOR_PREFIX}{city_office.code}"
    )
    # Active for the scoping (an inactive user sees nothing); no usable password, so nobody can sign in as it.
    if not user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
    return user


def _prepare() -> tuple[Region, User]:
    for prepare in bench_loaders():  # each stage's data at scale (cases, this month's follow-ups), untimed
        prepare()
    city = _busiest_city()
    user = bench_supervisors(city)
    if not ClockMonth.objects.exists():
        clock_months_refresh()
    clock_loads_refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return city, user


# ---- the hand-written SQL computing the dashboard's numbers ------------------------------------------------
def _state_sql(due: str, by_date: bool) -> str:
    """COUNT … FILTER for the four states over ``due`` (%(now)s, %(eod)s, %(soon)s; dates %(today)s, %(soon_day)s)."""
    if by_date:
        return (
            f"count(*) AS total, count(*) FILTER (WHERE {due} < %(today)s) AS overdue, "
            f"count(*) FILTER (WHERE {due} = %(today)s) AS due_today, "
            f"count(*) FILTER (WHERE {due} > %(today)s AND {due} <= %(soon_day)s) AS due_soon, "
            f"count(*) FILTER (WHERE {due} > %(soon_day)s) AS on_time"
        )
    return (
        f"count(*) AS total, count(*) FILTER (WHERE {due} < %(now)s) AS overdue, "
        f"count(*) FILTER (WHERE {due} >= %(now)s AND {due} <= %(eod)s) AS due_today, "
        f"count(*) FILTER (WHERE {due} > %(eod)s AND {due} <= %(soon)s) AS due_soon, "
        f"count(*) FILTER (WHERE {due} > %(soon)s) AS on_time"
    )


# Each clock's open items in the region, written out: FROM … WHERE …, the due column, the office and person.
RAW_CLOCKS: list[dict[str, Any]] = [
    {
        "from": "registration_application a JOIN offices_region r ON r.code = a.region_id "
        "WHERE a.status = 'pending' AND r.path LIKE %(path)s",
        "due": "a.due_at",
        "office": "a.office_id",
        "person": "a.received_by_id",
    },
    {
        "from": "followup_case c JOIN registration_registration g ON g.id = c.registration_id "
        "JOIN offices_region r ON r.code = c.region_id "
        "WHERE c.first_contact_at IS NULL AND g.status = 'active' AND r.path LIKE %(path)s",
        "due": "c.first_contact_due_at",
        "office": "g.office_id",
        "person": "c.responsible_id",
    },
    {
        "from": "followup_monthlyfollowup f JOIN followup_case c ON c.registration_id = f.case_id "
        "JOIN registration_registration g ON g.id = c.registration_id "
        "JOIN offices_region r ON r.code = c.region_id "
        "WHERE f.status = 'open' AND f.month = %(month)s AND g.status = 'active' AND r.path LIKE %(path)s",
        "due": "f.due_on",
        "by_date": True,
        "office": "g.office_id",
        "person": "c.responsible_id",
    },
    {
        "from": "deregistration_exit e JOIN registration_registration g ON g.id = e.registration_id "
        "JOIN offices_region r ON r.code = e.region_id "
        "WHERE e.status = 'proposed' AND e.approval_due_at IS NOT NULL AND r.path LIKE %(path)s",
        "due": "e.approval_due_at",
        "office": "g.office_id",
        "person": None,
    },
]


def raw_dashboard(cursor, params: dict[str, Any]) -> list[Any]:
    """The dashboard's numbers by hand, from the same counts the page reads (``deadlines_clockload``, kept by the
    job ``deadlines.load``): per clock, office and person the four states; the on-time rates by clock and month."""
    cursor.execute(
        "SELECT l.clock, l.office_id, o.name, l.responsible_id, u.username, u.handler_name, uo.name, "
        "sum(l.items), sum(l.items) FILTER (WHERE l.due_day < %(today)s), "
        "sum(l.items) FILTER (WHERE l.due_day = %(today)s), "
        "sum(l.items) FILTER (WHERE l.due_day > %(today)s AND l.due_day <= %(soon_day)s), "
        "sum(l.items) FILTER (WHERE l.due_day > %(soon_day)s) "
        "FROM deadlines_clockload l JOIN offices_region r ON r.code = l.region_id "
        "LEFT JOIN offices_office o ON o.id = l.office_id LEFT JOIN offices_user u ON u.id = l.responsible_id "
        "LEFT JOIN offices_office uo ON uo.id = u.office_id "
        "WHERE r.path LIKE %(path)s GROUP BY 1, 2, 3, 4, 5, 6, 7",
        params,
    )
    out = [cursor.fetchall()]
    cursor.execute(
        "SELECT m.clock, m.month, sum(m.due), sum(m.on_time) FROM deadlines_clockmonth m "
        "JOIN offices_region r ON r.code = m.region_id WHERE m.month >= %(first)s AND r.path LIKE %(path)s "
        "GROUP BY m.clock, m.month",
        params,
    )
    out.append(cursor.fetchall())
    return out


def raw_from_items(cursor, params: dict[str, Any]) -> list[Any]:
    """The same open-item numbers by hand from the stages' own tables (no counts kept): what the dashboard would
    cost reading the items live, printed for comparison."""
    out: list[Any] = []
    for c in RAW_CLOCKS:
        states = _state_sql(c["due"], c.get("by_date", False))
        person = c["person"] or "NULL::bigint"
        cursor.execute(f"SELECT {c['office']}, {person}, {states} FROM {c['from']} GROUP BY 1, 2", params)
        out.append(cursor.fetchall())
    return out


def _timed(fn, n: int) -> list[float]:
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


@scenario(
    "deadlines.dashboard_city",
    target_ms_p95=150,
    description="the supervisors' dashboard of the busiest city, rendered (prints the hand-written SQL's p95 and the ratio)",
)
def dashboard_city(ctx: BenchContext):
    from common.urgency import due_soon_until, end_of_day

    from .services import RATE_MONTHS

    city, user = _prepare()
    factory = RequestFactory()

    def page() -> None:
        request: Any = factory.get("/deadlines/")  # an AuthenticatedHttpRequest once it has its user
        request.user = user
        response = dashboard_view(request)
        if response.status_code != 200:
            raise RuntimeError(f"dashboard answered {response.status_code}")

    def raw_params() -> dict[str, Any]:
        now = timezone.now()
        soon = due_soon_until(now)  # the same calendar reads as the page
        params = {
            "path": f"{city.path}%",
            "now": now,
            "eod": end_of_day(now),
            "soon": soon,
            "today": timezone.localdate(now),
            "soon_day": timezone.localdate(soon),
            "month": month_start(timezone.localdate(now)),
            "first": month_start(timezone.localdate(now), RATE_MONTHS - 1),
        }
        return params

    def raw() -> None:
        with connection.cursor() as cursor:
            raw_dashboard(cursor, raw_params())

    def live() -> None:
        with connection.cursor() as cursor:
            raw_from_items(cursor, raw_params())

    def numbers() -> None:
        selectors.dashboard(user, city)

    n = max(ctx.calls, 30)
    for warm in (page, raw, live, numbers):
        warm()
    timings = {
        "sql": _timed(raw, n),
        "numbers": _timed(numbers, n),
        "page": _timed(page, n),
        "live": _timed(live, min(n, 20)),
    }
    p50 = {k: percentile(v, 50) for k, v in timings.items()}
    p95 = {k: percentile(v, 95) for k, v in timings.items()}
    print(
        f"deadlines.dashboard_city ({city.name}), p50 / p95 ms: hand-written SQL computing the numbers "
        f"{p50['sql']:.1f} / {p95['sql']:.1f}; the dashboard's numbers (selectors) {p50['numbers']:.1f} / "
        f"{p95['numbers']:.1f}, ratio {p95['numbers'] / p95['sql']:.2f}× (target ≤ 2×); the whole page rendered "
        f"{p50['page']:.1f} / {p95['page']:.1f}, ratio {p95['page'] / p95['sql']:.2f}×. For comparison, the same "
        f"open-item counts by hand from the stages' tables (no kept counts): {p50['live']:.1f} / {p95['live']:.1f}.",
        flush=True,
    )
    return lambda i: page()


@scenario(
    "deadlines.sweep",
    target_ms_p95=5000,
    description="the escalation sweep over the province with 1 % of the registrations newly due (rolled back)",
    max_iterations=5,
)
def sweep(ctx: BenchContext):
    """Untimed: one committed sweep alerts everything due now (printed: how long, how many); then the alerts of
    1 % of the registrations' count are removed, so each timed run reads every item due (the anti-join grows with
    the items due) and alerts those 1 % again, as a run after that many became due would."""
    _prepare()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM deadlines_alertrecipient")
        cursor.execute("DELETE FROM deadlines_alert")
        start = time.perf_counter()
        with transaction.atomic():
            first = alerts_sweep()
        took = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM registration_registration")
        (registrations,) = cursor.fetchone()
        newly_due = max(registrations // 100, 1)
        cursor.execute(
            "WITH gone AS (SELECT id FROM deadlines_alert ORDER BY random() LIMIT %s) "
            "DELETE FROM deadlines_alertrecipient WHERE alert_id IN (SELECT id FROM gone)",
            [newly_due],
        )
        cursor.execute(
            "DELETE FROM deadlines_alert WHERE id IN (SELECT a.id FROM deadlines_alert a "
            "WHERE NOT EXISTS (SELECT 1 FROM deadlines_alertrecipient r WHERE r.alert_id = a.id) LIMIT %s)",
            [newly_due],
        )
        cursor.execute("ANALYZE deadlines_alert")
    print(
        f"deadlines.sweep: first run over everything due {took:.1f} s {first}; timed runs re-alert {newly_due} "
        f"items (1 % of {registrations} registrations)",
        flush=True,
    )

    def step(i: int) -> None:
        with transaction.atomic():
            counts = alerts_sweep()
            if i == 0:
                print(f"deadlines.sweep: a timed run made {counts}", flush=True)
            transaction.set_rollback(True)

    return step


@scenario(
    "deadlines.load",
    target_ms_p95=30_000,
    description="the job counting every clock's open items for the dashboard (whole province)",
    max_iterations=5,
)
def load(ctx: BenchContext):
    _prepare()

    def step(i: int) -> None:
        with transaction.atomic():
            clock_loads_refresh()

    return step
