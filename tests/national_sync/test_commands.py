"""manage.py upload_deregistrations: the same job by hand (--date, --backfill, --dry-run)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from common.models import JobRun
from deregistration.models import Exit
from national_sync.models import ExitUpload

from .factories import effective_exits

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("upload_deregistrations", *args, stdout=out)
    return out.getvalue()


def test_it_runs_the_job_recorded_as_started_from_the_command_line(caseworker_jiefang, simulator):
    effective_exits(caseworker_jiefang, 2)
    output = run()
    assert "succeeded" in output and "'acknowledged': 2" in output
    run_ = JobRun.objects.get(job="national_sync.upload_exits")
    assert run_.trigger == JobRun.Trigger.COMMAND and run_.counts["acknowledged"] == 2


def test_dry_run_lists_the_records_breaking_a_rule_with_masked_numbers_and_changes_nothing(
    caseworker_jiefang, simulator
):
    bad, good = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=bad.pk).update(name="张 三")
    output = run("--dry-run")
    assert "would send 1 record(s); 1 break a rule" in output
    assert bad.serial in output and "AAC003（姓名）不能含有半角或全角空格" in output
    assert bad.id_number not in output
    assert not ExitUpload.objects.exists() and not JobRun.objects.exists()
    assert simulator.received() == 0


def test_date_sends_only_that_days_exits(caseworker_jiefang, simulator):
    first, second = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=second.pk).update(effective_on=date(2026, 11, 19))
    run("--date", "2026-11-19")
    assert ExitUpload.objects.get(exit=second).status == ExitUpload.Status.ACKNOWLEDGED
    assert ExitUpload.objects.get(exit=first).status == ExitUpload.Status.PENDING


def test_backfill_opens_and_sends_every_exit_since_the_date_even_older_than_the_scan_window(
    caseworker_jiefang, simulator
):
    old, recent = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=old.pk).update(effective_on=date(2026, 3, 10), deregistered_on=date(2026, 3, 9))
    run()  # the first run opens everything (no uploads yet): make the old one look missed instead
    ExitUpload.objects.filter(exit=old).delete()
    run()
    assert not ExitUpload.objects.filter(exit=old).exists()  # older than the daily scan's window
    run("--backfill", "2026-01-01")
    assert ExitUpload.objects.get(exit=old).status == ExitUpload.Status.ACKNOWLEDGED
    assert simulator.received() == 2


def test_a_bad_date_is_refused_with_a_message():
    with pytest.raises(CommandError, match="not a date"):
        run("--date", "2026-13-01")
    with pytest.raises(CommandError, match="exclude each other"):
        run("--date", "2026-11-01", "--backfill", "2026-01-01")
