"""Periodic jobs record every run (start, end, counts, errors) for ops and can be run by hand."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from common import jobs
from common.models import JobRun, Notification
from common.tasks import resend_queued_notifications

pytestmark = pytest.mark.django_db


def test_it_records_a_successful_run_with_its_counts():
    Notification.objects.create(phone="13800000000", text="x", ref="t:1")
    Notification.objects.filter(ref="t:1").update(created_at=timezone.now() - timedelta(minutes=10))
    resend_queued_notifications()  # what beat runs every 5 minutes
    run = JobRun.objects.get()
    assert (run.job, run.trigger, run.status, run.counts) == (
        "notifications.resend",
        "beat",
        "succeeded",
        {"sent": 1},
    )
    assert run.finished_at >= run.started_at


def test_it_records_a_failed_run_with_the_error_and_goes_on(monkeypatch):
    def broken() -> dict:
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.JOBS, "test.broken", broken)
    run = jobs.run_job("test.broken")
    assert run.status == JobRun.Status.FAILED
    assert "RuntimeError: disk full" in run.error
    assert JobRun.objects.get(pk=run.pk).finished_at is not None


def test_it_runs_a_job_by_hand_with_the_same_code(capsys):
    call_command("run_job", "registration.resume_import_batches")
    run = JobRun.objects.get()
    assert (run.trigger, run.status, run.counts) == ("manual", "succeeded", {"queued": 0})
    call_command("run_job", "--list")
    out = capsys.readouterr().out
    assert "notifications.resend" in out and "registration.resume_import_batches" in out
    with pytest.raises(CommandError, match="unknown job"):
        call_command("run_job", "no.such.job")


def test_it_shows_the_run_history_to_ops_only(client, ops_jiaozuo, caseworker_jiefang):
    jobs.run_job("notifications.resend")
    url = reverse("admin:common_jobrun_changelist")
    client.force_login(ops_jiaozuo)
    response = client.get(url)
    assert response.status_code == 200 and "notifications.resend" in response.content.decode()
    client.force_login(caseworker_jiefang)
    assert client.get(url).status_code == 302  # not staff: sent to the admin login
