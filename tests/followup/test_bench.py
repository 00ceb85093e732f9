"""The follow-up benchmark scenarios run over seeded registrations (``make bench``; the targets are checked at
province scale there, not here)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from followup.models import Case, MonthlyFollowUp

pytestmark = pytest.mark.django_db


def test_bench_runs_the_follow_up_scenarios_over_seeded_registrations():
    call_command("seed_scale", "--people", "300", "--force", stdout=StringIO())
    out = StringIO()
    call_command("bench", "--iterations", "2", "--warmup", "0", "--scenario", "followup.*", stdout=out)
    text = out.getvalue()
    assert "followup.first_contacts" in text and "followup.monthly_open" in text
    assert "SKIP" not in text and "all 2 targets met" in text
    assert Case.objects.filter(first_contact_at__isnull=True).exists()  # the worklist has work
    assert Case.objects.filter(first_contact_at__isnull=False).exists()
    assert not MonthlyFollowUp.objects.exists()  # every timed run of the job was rolled back


def test_the_monthly_scenario_is_timed_five_times_not_two_hundred():
    call_command("seed_scale", "--people", "50", "--force", stdout=StringIO())
    out = StringIO()
    call_command("bench", "--scenario", "followup.monthly_open", "--no-fail", stdout=out)
    (row,) = [line for line in out.getvalue().splitlines() if line.startswith("followup.monthly_open")]
    assert row.split()[1] == "5" and "PASS" in row
