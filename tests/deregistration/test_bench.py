"""The proposals import scenario runs over seeded people (``make bench``; the 60 s target is checked at province
scale there, on 100,000 rows; here on fewer rows, to show it runs and leaves nothing behind)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from deregistration import bench
from deregistration.models import ExitProposal
from registration.models import ImportBatch

pytestmark = pytest.mark.django_db


def test_bench_runs_the_pension_import_over_seeded_registrations_and_rolls_it_back(monkeypatch):
    monkeypatch.setattr(bench, "ROWS", 60_000)  # two files, as at full size: 50,000 + 10,000 rows
    call_command("seed_scale", "--people", "300", "--force", stdout=StringIO())
    out = StringIO()
    call_command("bench", "--iterations", "1", "--warmup", "0", "--scenario", "deregistration.*", stdout=out)
    text = out.getvalue()
    assert "deregistration.pension_import" in text and "PASS" in text and "SKIP" not in text
    assert not ExitProposal.objects.exists() and not ImportBatch.objects.exists()  # each run rolled back
