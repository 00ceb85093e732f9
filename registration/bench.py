"""Benchmark scenarios of stage 1 (``manage.py bench``; DESIGN.md: "lookup of a person by ID number or name:
p95 ≤ 50 ms" at 1,000,000 people, seeded by ``manage.py seed_scale``).

Every lookup goes through ``registration.selectors.person_search`` exactly as the search page does, as a
province-level user (office at 410000: the scope filter ``region__path__startswith`` is applied, unlike for a
superuser), and is evaluated with ``list(...)``. The inputs are sampled from the people in the database before
the timing starts; sampling by person means frequent surnames ("王", "李", "张") come up as often as they do
in the population, so the p95 reflects them.
"""

from __future__ import annotations

from django.db.models import Max, Min

from common.bench import BenchContext, SkipScenario, scenario
from offices.models import Office, Region, User

from .models import Person
from .selectors import person_search

PROVINCE = "410000"
TARGET_MS = 50


def province_user() -> User:
    """An unsaved staff user of an unsaved province-level office: scoping only reads the office's region path,
    so nothing needs to be written to the database for the benchmark."""
    try:
        region = Region.objects.get(code=PROVINCE)
    except Region.DoesNotExist:
        raise SkipScenario(f"region {PROVINCE} missing: run migrate") from None
    office = Office(code="BENCH-PROVINCE", name="省级（基准测试）", region=region, is_active=True)
    return User(username="bench_province", office=office, is_active=True, is_superuser=False)


def sample_people(ctx: BenchContext, count: int) -> list[tuple[str, str]]:
    """``count`` random (id_number, name) pairs of people in the province (by random primary keys)."""
    bounds = Person.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        raise SkipScenario("no people: run manage.py seed_scale --people N first")
    found: list[tuple[str, str]] = []
    for _ in range(20):
        ids = [ctx.rng.randint(bounds["low"], bounds["high"]) for _ in range(2 * count)]
        found += Person.objects.filter(pk__in=ids, region__path__startswith=f"{PROVINCE}/").values_list(
            "id_number", "name"
        )
        if len(found) >= count:
            break
    if not found:
        raise SkipScenario(f"no people in region {PROVINCE}: run manage.py seed_scale --people N first")
    ctx.rng.shuffle(found)
    return found[:count]


def _lookup(ctx: BenchContext, queries: list[str]):
    user = province_user()
    if not list(person_search(user, queries[0])):
        raise SkipScenario(f"person_search found nothing for a sampled value ({queries[0]!r})")
    return lambda i: list(person_search(user, queries[i % len(queries)]))


@scenario(
    "registration.person_search.id_number",
    target_ms_p95=TARGET_MS,
    description="person_search by an 18-digit ID number, province-level user",
)
def person_by_id_number(ctx: BenchContext):
    return _lookup(ctx, [id_number for id_number, _ in sample_people(ctx, ctx.calls)])


@scenario(
    "registration.person_search.name_prefix2",
    target_ms_p95=TARGET_MS,
    description='person_search by a 2-character name prefix ("张伟"), province-level user',
)
def person_by_name_prefix2(ctx: BenchContext):
    return _lookup(ctx, [name[:2] for _, name in sample_people(ctx, ctx.calls)])


@scenario(
    "registration.person_search.name_prefix1",
    target_ms_p95=TARGET_MS,
    description='person_search by a 1-character name prefix, a surname ("王"), province-level user',
)
def person_by_name_prefix1(ctx: BenchContext):
    return _lookup(ctx, [name[:1] for _, name in sample_people(ctx, ctx.calls)])
