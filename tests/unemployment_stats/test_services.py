"""The rules of the monthly report: provisional until submitted, a final report frozen, a recompute shows the
differences and only a supervisor replaces (recorded); the job of the 21st; urban employed entry."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from common.jobs import registered_jobs
from offices.models import Office, Region
from unemployment_stats.models import MonthlyReport, ReportReplacement, UrbanEmployed
from unemployment_stats.periods import Period
from unemployment_stats.services import (
    NO_PENDING,
    report_compute,
    report_finalise,
    report_replace,
    reports_compute_provisional,
    urban_employed_save,
)

from .factories import SH, fixture_city, person, registration

pytestmark = pytest.mark.django_db
NOVEMBER = Period(2026, 11)


@pytest.fixture
def jiaozuo(ops_jiaozuo):
    fixture_city(ops_jiaozuo)
    return Region.objects.get(code="410800")


def test_it_computes_provisional_figures_and_recomputes_them_freely(jiaozuo, supervisor_jiaozuo, ops_jiaozuo):
    report = report_compute(region=jiaozuo, period=NOVEMBER, user=supervisor_jiaozuo)
    assert report.status == MonthlyReport.Status.PROVISIONAL
    assert report.figures["total"]["registered"] == 7
    registration(person("新", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 1))
    report = report_compute(region=jiaozuo, period=NOVEMBER, user=supervisor_jiaozuo)
    assert report.figures["total"]["registered"] == 8
    assert report.pending_figures is None


def test_it_refuses_a_period_that_has_not_closed(jiaozuo, supervisor_jiaozuo):
    with pytest.raises(ValidationError) as exc:
        report_compute(region=jiaozuo, period=Period(2026, 12), user=supervisor_jiaozuo)
    assert exc.value.code == "not_closed"


def test_it_never_changes_a_final_report_when_data_is_corrected_later(
    jiaozuo, supervisor_jiaozuo, ops_jiaozuo
):
    report = report_compute(region=jiaozuo, period=NOVEMBER, user=ops_jiaozuo)
    report = report_finalise(report=report, user=ops_jiaozuo)
    assert (report.status, report.finalised_by) == (MonthlyReport.Status.FINAL, ops_jiaozuo)
    registration(person("补", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 3))  # a late correction
    report = report_compute(region=jiaozuo, period=NOVEMBER, user=ops_jiaozuo)
    assert report.figures["total"]["registered"] == 7  # what was submitted
    assert report.pending_figures["total"]["registered"] == 8
    assert {"key": "合计 · 期末登记失业人数", "old": 7, "new": 8} in report.pending_differences


def test_it_replaces_a_final_report_only_by_a_supervisor_with_a_reason_recorded(
    jiaozuo, supervisor_jiaozuo, ops_jiaozuo
):
    report = report_finalise(report=report_compute(region=jiaozuo, period=NOVEMBER), user=ops_jiaozuo)
    registration(person("补", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 3))
    report = report_compute(region=jiaozuo, period=NOVEMBER)
    with pytest.raises(PermissionDenied):
        report_replace(report=report, user=ops_jiaozuo, reason="更正")
    with pytest.raises(ValidationError) as exc:
        report_replace(report=report, user=supervisor_jiaozuo, reason="  ")
    assert "reason" in exc.value.message_dict
    report = report_replace(report=report, user=supervisor_jiaozuo, reason="补录漏登记")
    assert report.figures["total"]["registered"] == 8
    assert report.pending_figures is None
    replacement = ReportReplacement.objects.get(report=report)
    assert (replacement.by, replacement.reason) == (supervisor_jiaozuo, "补录漏登记")
    assert replacement.old_figures["total"]["registered"] == 7
    with pytest.raises(ValidationError) as again:
        report_replace(report=report, user=supervisor_jiaozuo, reason="再次")
    assert again.value.messages == [str(NO_PENDING)]


def test_it_finalises_once(jiaozuo, ops_jiaozuo):
    report = report_finalise(report=report_compute(region=jiaozuo, period=NOVEMBER), user=ops_jiaozuo)
    with pytest.raises(ValidationError):
        report_finalise(report=report, user=ops_jiaozuo)


def test_it_refuses_a_caseworker_and_another_region(jiaozuo, caseworker_jiefang, caseworker_wenxian):
    report = report_compute(region=jiaozuo, period=NOVEMBER)
    with pytest.raises(PermissionDenied):
        report_finalise(report=report, user=caseworker_jiefang)
    with pytest.raises(PermissionDenied):
        report_compute(region=jiaozuo, period=NOVEMBER, user=caseworker_wenxian)


def test_the_job_computes_every_reporting_region_after_the_period_closes(
    jiaozuo, office_jiefang, ops_jiaozuo
):
    with time_machine.travel(datetime(2026, 11, 21, 2, 30, tzinfo=SH), tick=False):
        result = registered_jobs()["unemployment_stats.provisional"].func()
    assert result["period"] == "2026-11"
    codes = set(MonthlyReport.objects.filter(year=2026, month=11).values_list("region_id", flat=True))
    assert {"410000", "410800", "410802"} <= codes
    assert (
        MonthlyReport.objects.get(region_id="410802", year=2026, month=11).figures["total"]["registered"] == 6
    )
    # Idempotent; a final report only gets the differences.
    report_finalise(
        report=MonthlyReport.objects.get(region_id="410800", year=2026, month=11), user=ops_jiaozuo
    )
    again = reports_compute_provisional(period=NOVEMBER)
    assert again["final_unchanged"] == 1


def test_the_command_twin_computes_one_region(jiaozuo, capsys):
    call_command("stats_compute", "--period", "2026-11", "--region", "410800")
    assert MonthlyReport.objects.filter(region_id="410800", year=2026, month=11).exists()
    assert "2026-11" in capsys.readouterr().out


def test_it_saves_urban_employed_in_scope_only(ops_jiaozuo, office_wenxian):
    entry = urban_employed_save(
        region=Region.objects.get(code="410802"), period=NOVEMBER, employed=5, user=ops_jiaozuo
    )
    entry = urban_employed_save(
        region=Region.objects.get(code="410802"), period=NOVEMBER, employed=6, user=ops_jiaozuo
    )
    assert UrbanEmployed.objects.get().employed == 6 == entry.employed
    from offices.roles import Role
    from tests.conftest import make_staff

    ops_wenxian = make_staff("ops_wenxian", office_wenxian, Role.OPS)
    with pytest.raises(PermissionDenied):
        urban_employed_save(
            region=Region.objects.get(code="410802"), period=NOVEMBER, employed=1, user=ops_wenxian
        )
    assert Office.objects.count() >= 2


def test_the_demo_data_enters_year_end_figures_and_computes_the_reports(ops_jiaozuo):
    from unemployment_stats.demo import load_demo_stats

    ops_jiaozuo.username = "ops_jiaozuo"
    ops_jiaozuo.save()
    assert load_demo_stats() >= 3
    assert UrbanEmployed.objects.filter(year=2025, month=12).count() == 3
    report = MonthlyReport.objects.get(region_id="410800", year=2026, month=11)
    assert report.figures["year_end_used"] is True
    load_demo_stats()
    assert UrbanEmployed.objects.count() == 3
