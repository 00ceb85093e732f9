"""The supervisors' dashboard, the list behind each number and its export, the alert inbox and the ops page of
jobs: access (anonymous, wrong role, another region, GET on a POST) and what each page shows."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from common.models import JobRun
from common.tasks import run_job_task
from deadlines.models import Alert, AlertLevel, AlertRecipient, ClockMonth
from deadlines.services import alerts_sweep, clock_loads_refresh, clock_months_refresh
from offices.roles import Role
from tests.conftest import make_staff
from tests.followup.factories import case_of
from tests.followup.factories import registered as registered_only

from .helpers import SH


def registered(*args, **kwargs):
    """A registration with its follow-up case open (as the minute job ``followup.open_cases`` makes it)."""
    registration = registered_only(*args, **kwargs)
    case_of(registration)
    return registration


pytestmark = pytest.mark.django_db

DASHBOARD = reverse("deadlines:dashboard")
FIRST = reverse("deadlines:clock_list", args=["followup.first_contact"])
FIRST_XLSX = reverse("deadlines:clock_export", args=["followup.first_contact"])
INBOX = reverse("deadlines:inbox")
ACK = reverse("deadlines:acknowledge")
OPS = reverse("ops_jobs")
RUN = reverse("ops_job_run", args=["deadlines.rates"])


@pytest.fixture
def overdue_first_contact(caseworker_jiefang, office_jiefang):
    """A registration in 解放区 whose first contact became overdue: registered 10 working days ago."""
    return registered(caseworker_jiefang, name="王逾期", at=timezone.now() - timedelta(days=20))


@pytest.fixture
def wenxian_first_contact(caseworker_wenxian, office_wenxian):
    return registered(
        caseworker_wenxian, region="410825", name="李温县", at=timezone.now() - timedelta(days=20)
    )


@pytest.fixture
def supervisor_jiefang(office_jiefang):
    return make_staff("sup_jiefang", office_jiefang, Role.SUPERVISOR, handler_name="钱主管")


# ---- access -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [DASHBOARD, FIRST, FIRST_XLSX, INBOX, OPS, RUN])
def test_the_pages_send_anonymous_users_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [DASHBOARD, FIRST, FIRST_XLSX])
def test_the_dashboard_is_for_supervisors_only(client, caseworker_jiefang, ops_jiaozuo, url):
    for user in (caseworker_jiefang, ops_jiaozuo):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [OPS, RUN])
def test_the_ops_page_is_for_ops_only(client, caseworker_jiefang, supervisor_jiaozuo, url):
    for user in (caseworker_jiefang, supervisor_jiaozuo):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [DASHBOARD, FIRST, FIRST_XLSX])
def test_a_county_supervisor_cannot_open_another_county(client, supervisor_jiefang, url):
    client.force_login(supervisor_jiefang)
    assert client.get(url, {"region": "410825"}).status_code == 404  # 温县
    assert client.get(url, {"region": "410800"}).status_code == 404  # the city above
    assert client.get(url, {"region": "999999"}).status_code == 404


def test_an_unknown_clock_is_not_found(client, supervisor_jiaozuo):
    client.force_login(supervisor_jiaozuo)
    assert client.get(reverse("deadlines:clock_list", args=["nope.nothing"])).status_code == 404


@pytest.mark.parametrize("url", [ACK, RUN])
def test_the_writes_refuse_other_methods(client, ops_jiaozuo, url):
    client.force_login(ops_jiaozuo)
    assert client.put(url).status_code == 405


# ---- the dashboard ------------------------------------------------------------------------------------------
def test_the_city_supervisor_sees_each_office_and_drills_into_the_overdue_first_contacts_of_one(
    client, supervisor_jiaozuo, overdue_first_contact, wenxian_first_contact, office_jiefang
):
    clock_loads_refresh()  # the job deadlines.load, every 5 minutes
    client.force_login(supervisor_jiaozuo)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "解放区公共就业服务中心" in html and "温县公共就业服务中心" in html
    first = next(s for s in page.context["summaries"] if s.clock.name == "followup.first_contact")
    assert first.totals["overdue"] == 2
    offices = {row["office_label"]: row for row in first.by_office}
    assert offices["解放区公共就业服务中心"]["overdue"] == 1
    people = {row["person_login"]: row for row in first.by_person}
    assert people["cw_jiefang"]["overdue"] == 1 and people["cw_wenxian"]["overdue"] == 1
    office_link = f"{FIRST}?region=410800&amp;office={office_jiefang.pk}&amp;state=overdue"
    assert office_link in html  # the number links to the list behind it

    listing = client.get(FIRST, {"region": "410800", "office": office_jiefang.pk, "state": "overdue"})
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "王逾期" in text and "李温县" not in text
    person = overdue_first_contact.person
    assert person.id_number not in text  # masked
    assert person.id_number[:3] + "*" in text


def test_a_supervisor_switches_to_a_county_below(
    client, supervisor_jiaozuo, overdue_first_contact, wenxian_first_contact
):
    clock_loads_refresh()
    client.force_login(supervisor_jiaozuo)
    page = client.get(DASHBOARD, {"region": "410825"})
    assert page.status_code == 200
    first = next(s for s in page.context["summaries"] if s.clock.name == "followup.first_contact")
    assert first.totals["total"] == 1
    assert page.context["parent"].code == "410800"


def test_the_export_is_the_same_list_with_masked_numbers(
    client, supervisor_jiaozuo, overdue_first_contact, wenxian_first_contact, office_jiefang
):
    client.force_login(supervisor_jiaozuo)
    response = client.get(FIRST_XLSX, {"region": "410800", "office": office_jiefang.pk, "state": "overdue"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "姓名", "证件号码")
    assert [r[1] for r in rows[1:]] == ["王逾期"]
    assert rows[1][2] != overdue_first_contact.person.id_number and "*" in rows[1][2]
    assert rows[1][4] == "已逾期"


def test_the_on_time_rates_come_from_the_statistics_job(client, supervisor_jiaozuo, caseworker_jiefang):
    from tests.followup.factories import first_contact

    late = registered(caseworker_jiefang, name="晚联系", at=timezone.now() - timedelta(days=20))
    on_time = registered(caseworker_jiefang, name="早联系", at=timezone.now() - timedelta(days=20))
    with time_machine.travel(timezone.now() - timedelta(days=19), tick=False):
        first_contact(case_of(on_time), caseworker_jiefang)
    first_contact(case_of(late), caseworker_jiefang)
    clock_months_refresh()
    assert ClockMonth.objects.filter(clock="followup.first_contact").exists()
    client.force_login(supervisor_jiaozuo)
    page = client.get(DASHBOARD)
    first = next(s for s in page.context["summaries"] if s.clock.name == "followup.first_contact")
    due = sum(p["due"] for p in first.rates)
    on = sum(p["on_time"] for p in first.rates)
    assert (due, on) == (2, 1)
    assert "<svg" in page.content.decode() and "<polyline" in page.content.decode()


def _dashboard_queries(client) -> int:
    clock_loads_refresh()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries)


def test_the_dashboard_query_count_is_pinned_and_does_not_grow_with_the_items(
    client, supervisor_jiaozuo, caseworker_jiefang, caseworker_wenxian, office_wenxian
):
    client.force_login(supervisor_jiaozuo)
    registered(caseworker_jiefang, name="一号", at=timezone.now() - timedelta(days=20))
    one = _dashboard_queries(client)
    for n in range(3):
        registered(caseworker_wenxian, region="410825", name=f"温{n}", at=timezone.now() - timedelta(days=20))
        registered(caseworker_jiefang, name=f"解{n}")
    many = _dashboard_queries(client)
    assert one == many
    # Session and user (2), the history context of the request (2), the permissions (2), the user's office and
    # region (2), the due-soon horizon on the calendar (2), every clock's open-item counts (1), the on-time
    # rates (1), the child regions (1), the parent region (1), the header's alert count (1).
    assert many == 2 + 2 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + 1


# ---- the inbox ----------------------------------------------------------------------------------------------
def test_the_header_counts_my_alerts_and_acknowledging_keeps_them_in_the_history(
    client, supervisor_jiefang, overdue_first_contact
):
    alerts_sweep()
    mine = AlertRecipient.objects.filter(user=supervisor_jiefang)
    assert mine.count() == 1
    client.force_login(supervisor_jiefang)
    home = client.get(reverse("home"))
    assert 'id="alert-count"' in home.content.decode()
    assert home.context["alert_count"] == 1
    inbox = client.get(INBOX)
    assert overdue_first_contact.number in inbox.content.decode()
    assert overdue_first_contact.person.id_number not in inbox.content.decode()
    response = client.post(ACK, {"id": [mine.get().pk]})
    assert response.status_code == 302
    assert mine.get().acknowledged_at is not None
    assert overdue_first_contact.number not in client.get(INBOX).content.decode()
    assert overdue_first_contact.number in client.get(INBOX, {"history": "1"}).content.decode()
    assert Alert.objects.get(recipients__user=supervisor_jiefang).level == AlertLevel.OVERDUE


def test_nobody_acknowledges_anothers_alerts(
    client, supervisor_jiefang, caseworker_jiefang, overdue_first_contact
):
    alerts_sweep()
    theirs = AlertRecipient.objects.get(user=supervisor_jiefang)
    client.force_login(caseworker_jiefang)
    client.post(ACK, {"id": [theirs.pk]})
    client.post(ACK, {"all": "1"})
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


# ---- the ops page -------------------------------------------------------------------------------------------
def test_ops_see_every_job_with_its_schedule_and_run_one_now_as_themselves(
    client, ops_jiaozuo, django_capture_on_commit_callbacks
):
    client.force_login(ops_jiaozuo)
    page = client.get(OPS)
    html = page.content.decode()
    for name in ("deadlines.sweep", "deadlines.digest", "deadlines.rates", "followup.monthly"):
        assert name in html
    assert "每15分钟" in html and "每天 08:00" in html
    confirm = client.get(RUN)
    assert confirm.status_code == 200 and "确认运行" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(RUN).status_code == 302
    assert not JobRun.objects.exists()  # queued for a worker, never run inside the web request
    assert len(queued) == 1
    run_job_task("deadlines.rates", ops_jiaozuo.pk)  # what the worker does with the queued message
    run = JobRun.objects.get(job="deadlines.rates")
    assert (run.trigger, run.triggered_by, run.status) == (
        JobRun.Trigger.USER,
        ops_jiaozuo,
        JobRun.Status.SUCCEEDED,
    )
    assert "孙运维" in client.get(OPS).content.decode()


def test_a_failed_or_late_job_is_flagged_on_the_ops_home_and_in_healthz(client, ops_jiaozuo):
    now = timezone.now()
    JobRun.objects.create(
        job="deadlines.rates", status=JobRun.Status.FAILED, started_at=now, finished_at=now, error="boom"
    )
    # The sweep ran an hour ago and not since (due every 15 minutes); the system was up then.
    JobRun.objects.create(
        job="deadlines.sweep",
        status=JobRun.Status.SUCCEEDED,
        started_at=now - timedelta(hours=1),
        finished_at=now - timedelta(hours=1),
    )
    client.force_login(ops_jiaozuo)
    home = client.get(reverse("home")).content.decode()
    assert 'id="job-flags"' in home
    assert "deadlines.rates" in home and "deadlines.sweep" in home
    report = client.get(reverse("healthz")).json()
    assert "deadlines.rates" in report["jobs"]["failed"]
    assert "deadlines.sweep" in report["jobs"]["late"]
    assert report["status"] == "degraded"
    assert 'id="job-flags"' in client.get(OPS).content.decode()


def test_a_fresh_installation_flags_no_job(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    assert client.get(reverse("healthz")).json()["jobs"] == {"ok": True, "failed": [], "late": []}


def test_the_schedule_is_said_in_words():
    from datetime import timedelta as td

    from celery.schedules import crontab

    from common.jobs import previous_fire, schedule_words

    assert schedule_words(td(minutes=15)) == "每15分钟"
    assert schedule_words(crontab(hour=1, minute=30)) == "每天 01:30"
    assert schedule_words(crontab(hour=6, minute=0, day_of_month=1)) == "每月1日 06:00"
    assert schedule_words(None).startswith("仅手动")
    now = datetime(2026, 11, 30, 0, 30, tzinfo=SH)
    assert previous_fire(crontab(hour=1, minute=0), now) == datetime(2026, 11, 29, 1, 0, tzinfo=SH)
    assert previous_fire(crontab(hour=6, minute=0, day_of_month=1), now) == datetime(
        2026, 11, 1, 6, 0, tzinfo=SH
    )
