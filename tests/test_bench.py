"""The benchmark scenario (issue 3): ``manage.py seed_scale`` loads valid synthetic people by COPY and tops
up instead of duplicating; ``manage.py bench`` times the registered scenarios and reports p50/p95/max."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from common import bench
from common.numbering import next_number
from offices.models import Office, Region
from registration.idnumbers import birth_date_from_id, sex_from_id, validate_citizen_id
from registration.management.commands.seed_scale import ADDRESS_PREFIX, synthetic_people
from registration.models import Application, Person, Registration

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_scale", *args, "--force", stdout=out)
    return out.getvalue()


def test_seed_scale_loads_valid_people_and_tops_up_without_duplicating():
    seed("--people", "300")
    people = synthetic_people()
    assert people.count() == 300
    henan = set(Region.objects.filter(level=3, path__startswith="410000/").values_list("code", flat=True))
    for person in people.order_by("?")[:60]:
        validate_citizen_id(person.id_number)
        assert person.social_security_number == person.id_number
        assert person.sex == sex_from_id(person.id_number)
        assert person.birth_date == birth_date_from_id(person.id_number)
        assert 1960 <= person.birth_date.year <= 2005
        assert person.region_id == person.id_number[:6] in henan
        assert 2 <= len(person.name) <= 3 and len(person.phone) == 11
    assert people.values("id_number").distinct().count() == 300

    assert "none added" in seed("--people", "300")
    assert people.count() == 300
    seed("--people", "400")
    assert people.count() == 400
    assert people.values("id_number").distinct().count() == 400


def test_seeded_records_keep_the_registration_invariants():
    seed("--people", "300")
    apps = Application.objects.filter(person__address__startswith=ADDRESS_PREFIX)
    regs = Registration.objects.filter(person__address__startswith=ADDRESS_PREFIX)
    assert apps.filter(status="registered").count() == regs.count() > 0
    assert apps.filter(status="pending").exists()
    one_each = {"n__gt": 1}
    assert not apps.filter(status="pending").values("person").annotate(n=Count("id")).filter(**one_each)
    assert not regs.filter(status="active").values("person").annotate(n=Count("id")).filter(**one_each)
    assert not apps.filter(status="pending", decided_at__isnull=False).exists()
    assert not apps.exclude(status="pending").filter(decided_at__isnull=True).exists()
    assert not apps.filter(status="rejected", rejection_reason="").exists()
    assert not apps.exclude(status="rejected").exclude(rejection_reason="").exists()
    for reg in regs.select_related("application")[:30]:
        assert reg.application.person_id == reg.person_id and reg.application.status == "registered"
        assert reg.office_id == reg.application.office_id and reg.region_id == reg.person.region_id
        assert reg.first_contact_due_at > reg.application.decided_at
    for app in apps[:30]:
        assert app.due_at > app.submitted_at and app.office.region_id == app.region_id
    # The real numbering sequences were advanced past the numbers used: the next real ones are new.
    assert not Application.objects.filter(number=next_number("SQ", "registration_application_number_seq"))
    assert not Registration.objects.filter(number=next_number("DJ", "registration_registration_number_seq"))


def test_seeding_writes_no_history_and_turns_the_triggers_back_on():
    seed("--people", "50")
    ids = list(synthetic_people().values_list("id", flat=True))
    assert not Person.pgh_event_model.objects.filter(pgh_obj_id__in=ids).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    office = Office.objects.create(code="T-AFTER-SEED", name="种子之后", region_id="410802")
    assert Office.pgh_event_model.objects.filter(pgh_obj_id=office.pk, pgh_label="insert").exists()


def test_reset_deletes_only_the_synthetic_people():
    real = Person.objects.create(
        id_number="11010519491231002X", name="真实", sex="2", birth_date="1949-12-31", region_id="410802"
    )
    seed("--people", "40")
    out = seed("--reset")
    assert "deleted 40 people" in out
    assert not synthetic_people().exists()
    assert Person.objects.filter(pk=real.pk).exists()
    assert not Office.objects.filter(code__startswith="BENCH").exists()


def test_seed_scale_refuses_without_debug_demo_data_or_force(settings):
    settings.DEBUG = settings.DEMO_DATA = False
    with pytest.raises(CommandError, match="fake people"):
        call_command("seed_scale", "--people", "5")
    assert not synthetic_people().exists()


def test_bench_runs_the_registration_scenarios_and_reports_p95():
    seed("--people", "300")
    out = StringIO()
    call_command(
        "bench", "--iterations", "5", "--warmup", "1", "--no-fail", "--scenario", "registration.*", stdout=out
    )
    text = out.getvalue()
    for name in (
        "registration.person_search.id_number",
        "registration.person_search.name_prefix2",
        "registration.person_search.name_prefix1",
    ):
        assert name in text
    assert "p95 ms" in text
    assert "SKIP" not in text


def test_bench_fails_when_a_target_is_missed_unless_no_fail(monkeypatch):
    @bench.scenario("test.too_slow", target_ms_p95=0)
    def too_slow(ctx):
        return lambda i: sum(range(1000))

    monkeypatch.setitem(bench.REGISTRY, "test.too_slow", bench.REGISTRY.pop("test.too_slow"))
    with pytest.raises(CommandError, match="test.too_slow"):
        call_command("bench", "--scenario", "test.too_slow", "--iterations", "3", stdout=StringIO())
    out = StringIO()
    call_command("bench", "--scenario", "test.too_slow", "--iterations", "3", "--no-fail", stdout=out)
    assert "FAIL" in out.getvalue()


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 50) == 50
    assert bench.percentile(values, 95) == 95
    assert bench.percentile([7.0], 95) == 7


def test_a_scenario_whose_run_takes_seconds_is_timed_a_few_times_only():
    from common import bench

    calls = []
    slow = bench.Scenario("test.slow", lambda ctx: calls.append(ctx.calls) or (lambda i: None), None, "", 5)
    result = bench.run_scenario(slow, iterations=200, warmup=10)
    assert len(result.timings_ms) == 5 and calls == [6]
