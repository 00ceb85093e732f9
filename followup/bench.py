"""Benchmark scenarios of stage 2 (``manage.py bench``; issue 9 "Must show" 4 at province scale): the first-contact
worklist (p95 ≤ 50 ms) and the monthly job (≤ 60 s for a whole province, set-based).

The synthetic registrations of ``manage.py seed_scale`` get their follow-up cases here, once and untimed, in one
INSERT … SELECT, as a province would have them: the first contact made for every registration older than ten
days except one in a hundred (overdue on the worklists), each county's registrations the responsibility of one
caseworker of that county's office (``bench_cw_<office code>``, inactive password-less users made here).
"""

from __future__ import annotations

from datetime import date

import pgtrigger
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from common.bench import BenchContext, SkipScenario, scenario
from common.urgency import counts
from offices.models import Office, User
from offices.roles import Role
from registration.models import Registration

from .models import MonthlyFollowUp
from .selectors import first_contacts, with_attempt_counts
from .services import cases_open, followup_open_month

CASEWORKER_PREFIX = "bench_cw_"
MONTHLY_RUNS = 12  # a run takes seconds at province scale: time the monthly job alone (see monthly_open)


def bench_caseworkers() -> list[User]:
    """One caseworker per office that has registrations (made once; they can see their county, not sign in)."""
    offices = Office.objects.filter(registrations__isnull=False).distinct()
    existing = set(
        User.objects.filter(username__startswith=CASEWORKER_PREFIX).values_list("username", flat=True)
    )
    new = [
        User(
            username=f"{CASEWORKER_PREFIX}{o.code}", office=o, handler_name=f"基准{o.code}"[:20], password="!"
        )
        for o in offices
        if f"{CASEWORKER_PREFIX}{o.code}" not in existing
    ]
    User.objects.bulk_create(new)
    group = Group.objects.filter(name=Role.CASEWORKER).first()
    users = list(User.objects.filter(username__startswith=CASEWORKER_PREFIX).select_related("office__region"))
    if group is not None and new:
        group.user_set.add(*[u for u in users if u.username in {n.username for n in new}])
    return users


def seed_cases() -> None:
    """Follow-up cases for every active registration that has none (untimed; see the module docstring)."""
    bench_caseworkers()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO followup_case (registration_id, region_id, responsible_id, first_contact_due_at, "
            "first_contact_at, tier, plan, created_at, updated_at) "
            "SELECT r.id, r.region_id, COALESCE(u.id, r.registered_by_id), r.first_contact_due_at, "
            "CASE WHEN r.registered_on < %(old)s AND r.id %% 100 <> 0 THEN r.created_at + interval '1 day' END, "
            "CASE WHEN r.registered_on < %(old)s AND r.id %% 100 <> 0 THEN 'ready' ELSE '' END, '', now(), now() "
            "FROM registration_registration r JOIN offices_office o ON o.id = r.office_id "
            "LEFT JOIN offices_user u ON u.username = %(prefix)s || o.code "
            "WHERE r.status = 'active' "
            "AND NOT EXISTS (SELECT 1 FROM followup_case c WHERE c.registration_id = r.id) "
            "ON CONFLICT (registration_id) DO NOTHING",
            {"old": date.fromordinal(timezone.localdate().toordinal() - 10), "prefix": CASEWORKER_PREFIX},
        )
        cursor.execute("ANALYZE followup_case")


def prepare() -> None:
    """The stage's data at scale for scenarios that read it (``bench_data`` in plugins.py): the follow-up cases and
    this month's follow-ups, once (untimed)."""
    seed_cases()
    month = timezone.localdate().replace(day=1)
    if not MonthlyFollowUp.objects.filter(month=month).exists():
        followup_open_month(month.year, month.month)


def _active_registrations() -> int:
    count = Registration.objects.filter(status=Registration.Status.ACTIVE).count()
    if not count:
        raise SkipScenario("no registrations: run manage.py seed_scale --people N first")
    return count


@scenario(
    "followup.first_contacts",
    target_ms_p95=50,
    description="my first contacts as the page reads them (sweep, urgency counts, first page), a county caseworker",
)
def first_contacts_page(ctx: BenchContext):
    _active_registrations()
    seed_cases()
    users = bench_caseworkers()
    if not users:
        raise SkipScenario("no offices with registrations")
    sample = [users[ctx.rng.randrange(len(users))] for _ in range(ctx.calls)]

    def step(i: int) -> None:
        user = sample[i]
        now = timezone.now()
        cases_open(recent=True)
        cases = first_contacts(user)
        counts(cases, now, "first_contact_due_at")
        list(with_attempt_counts(cases)[:50])

    return step


@scenario(
    "followup.monthly_open",
    target_ms_p95=60_000,
    description="the monthly job for every active registration (INSERT … SELECT, rolled back after each run)",
    max_iterations=5,
)
def monthly_open(ctx: BenchContext):
    if ctx.calls > MONTHLY_RUNS:
        raise SkipScenario(
            "a run takes seconds at province scale, too long to repeat 200 times: "
            'make bench ARGS="--scenario followup.monthly_open --iterations 5 --warmup 1"'
        )
    _active_registrations()
    seed_cases()
    month = timezone.localdate().replace(day=1)
    opened = MonthlyFollowUp.objects.filter(month=month)
    if opened.exists():  # left by an earlier run that was not rolled back: start from nothing again
        with pgtrigger.ignore("followup.MonthlyFollowUp:delete_delete"):
            opened.delete()

    def step(i: int) -> None:
        with transaction.atomic():
            if not followup_open_month(month.year, month.month):
                raise RuntimeError("the monthly job opened nothing")
            transaction.set_rollback(True)  # every run does the whole work again

    return step
