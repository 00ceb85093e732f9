"""The ops page of the upload: queues, resend, run now, the day's xlsx; anonymous, wrong role, wrong region."""

from __future__ import annotations

import io
from datetime import date
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse

from common.models import JobRun
from deregistration.models import Exit
from national_sync.models import ExitUpload
from national_sync.records import FIELDS
from national_sync.services import upload_exits, uploads_open
from offices.models import Office
from offices.roles import Role
from registration.models import IdReveal
from tests.conftest import make_staff

from .factories import effective_exits

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("national_sync:dashboard")
RUN_NOW = reverse("national_sync:run_now")
EXPORT = reverse("national_sync:export_day")
DAY = "2026-11-20"


@pytest.fixture
def ops_elsewhere(db):
    office = Office.objects.create(code="T410100", name="郑州市公共就业服务中心", region_id="410100")
    return make_staff("ops_zhengzhou", office, Role.OPS, handler_name="钱运维")


def login(client, user):
    client.force_login(user)
    return client


def resend_url(upload) -> str:
    return reverse("national_sync:resend", args=[upload.pk])


# ---- access ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [DASHBOARD, EXPORT + f"?day={DAY}"])
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_anonymous_posts_are_sent_to_the_login_page(client, caseworker_jiefang):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    uploads_open()
    for url in (RUN_NOW, resend_url(ExitUpload.objects.get())):
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", [DASHBOARD, EXPORT + f"?day={DAY}"])
def test_other_roles_are_refused(client, caseworker_jiefang, supervisor_jiaozuo, url):
    for user in (caseworker_jiefang, supervisor_jiaozuo):
        assert login(client, user).get(url).status_code == 403


def test_other_roles_cannot_resend_or_run(client, caseworker_jiefang):
    effective_exits(caseworker_jiefang, 1)
    uploads_open()
    login(client, caseworker_jiefang)
    assert client.post(resend_url(ExitUpload.objects.get())).status_code == 403
    assert client.post(RUN_NOW).status_code == 403


def test_get_on_the_post_only_pages_is_refused(client, ops_jiaozuo, caseworker_jiefang):
    effective_exits(caseworker_jiefang, 1)
    uploads_open()
    login(client, ops_jiaozuo)
    assert client.get(RUN_NOW).status_code == 405
    assert client.get(resend_url(ExitUpload.objects.get())).status_code == 405


def test_ops_of_another_region_see_nothing_of_this_one(client, ops_elsewhere, caseworker_jiefang):
    effective_exits(caseworker_jiefang, 1)
    uploads_open()
    upload = ExitUpload.objects.get()
    Exit.objects.update(handler_name="李 经办")
    ExitUpload.objects.update(status=ExitUpload.Status.INVALID, errors=[{"field": "AAE011", "message": "x"}])
    login(client, ops_elsewhere)
    page = client.get(DASHBOARD + "?status=invalid").content.decode()
    assert upload.exit.serial not in page
    assert client.post(resend_url(upload)).status_code == 404
    response = client.get(EXPORT + f"?day={DAY}")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.active.max_row == 1  # the header only
    assert not IdReveal.objects.exists()


# ---- what ops see and do ----------------------------------------------------------------------------
def test_ops_see_the_queues_with_the_rules_broken_the_platforms_reason_and_the_receipt(
    client, ops_jiaozuo, caseworker_jiefang, simulator
):
    invalid, rejected, acknowledged = effective_exits(caseworker_jiefang, 3)
    Exit.objects.filter(pk=invalid.pk).update(handler_name="李 经办")
    simulator.arm(reject={rejected.serial: "平台：该人员已在他省登记"})
    upload_exits()
    login(client, ops_jiaozuo)
    page = client.get(DASHBOARD + "?status=invalid").content.decode()
    assert invalid.serial in page and "AAE011（经办人）不能含有半角或全角空格" in page
    assert "修改后重新上传" in page and invalid.id_number not in page
    page = client.get(DASHBOARD + "?status=rejected").content.decode()
    assert rejected.serial in page and "平台：该人员已在他省登记" in page
    page = client.get(DASHBOARD + "?status=acknowledged").content.decode()
    receipt = ExitUpload.objects.get(exit=acknowledged).receipt
    assert acknowledged.serial in page and receipt in page
    assert "部级平台连接正常" in page
    assert "校验未通过（1）" in page and "平台退回（1）" in page and "已接收（1）" in page


def test_the_page_lists_the_jobs_runs_and_says_when_the_platform_cannot_be_reached(
    client, ops_jiaozuo, settings
):
    from django.utils import timezone

    settings.NATIONAL_SYNC_BASE_URL = "http://127.0.0.1:9/api/v1"
    settings.NATIONAL_SYNC_CONNECT_TIMEOUT = 0.5
    JobRun.objects.create(
        job="national_sync.upload_exits",
        status=JobRun.Status.SUCCEEDED,
        started_at=timezone.now(),
        counts={"sent": 7, "acknowledged": 7},
    )
    page = login(client, ops_jiaozuo).get(DASHBOARD).content.decode()
    assert "部级平台无法连接" in page
    assert "acknowledged=7" in page


def test_ops_resend_a_rejected_record_after_the_fix(client, ops_jiaozuo, caseworker_jiefang, simulator):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    simulator.arm(reject={exit.serial: "退回"})
    upload_exits()
    simulator.arm(unreject=[exit.serial])
    login(client, ops_jiaozuo)
    response = client.post(resend_url(ExitUpload.objects.get()))
    assert response.status_code == 302
    assert ExitUpload.objects.get().status == ExitUpload.Status.PENDING
    assert upload_exits()["acknowledged"] == 1


def test_a_resend_that_still_breaks_a_rule_says_why(client, ops_jiaozuo, caseworker_jiefang, simulator):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    Exit.objects.update(name="张 三")
    upload_exits()
    login(client, ops_jiaozuo)
    response = client.post(resend_url(ExitUpload.objects.get()), follow=True)
    assert "AAC003（姓名）不能含有半角或全角空格" in response.content.decode()
    assert ExitUpload.objects.get().status == ExitUpload.Status.INVALID


def test_run_now_queues_the_job(client, ops_jiaozuo, django_capture_on_commit_callbacks):
    login(client, ops_jiaozuo)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(RUN_NOW)
    assert response.status_code == 302 and len(callbacks) == 1
    sent = []
    with mock.patch("common.queueing.current_app.send_task", lambda name, args: sent.append((name, args))):
        callbacks[0]()
    # The task beat sends, with the ops user's id: the worker records the run as theirs.
    assert sent == [("common.run_job", ["national_sync.upload_exits", ops_jiaozuo.pk])]


def test_the_days_xlsx_has_the_attachments_columns_full_numbers_and_logs_each_reveal(
    client, ops_jiaozuo, caseworker_jiefang
):
    exits = effective_exits(caseworker_jiefang, 2)
    login(client, ops_jiaozuo)
    response = client.get(EXPORT + f"?day={DAY}")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [h.split("（")[1].rstrip("）") for h in rows[0]] == list(FIELDS)
    assert rows[1][:4] == ("410802", exits[0].serial, "张三", exits[0].social_security_number)
    assert rows[1][6] == "20261118" and rows[1][9] == "20261120"
    reveals = IdReveal.objects.filter(user=ops_jiaozuo, context=IdReveal.Context.EXIT_EXPORT)
    assert reveals.count() == 2


def test_the_export_of_a_day_without_exits_is_empty_and_reveals_nothing(
    client, ops_jiaozuo, caseworker_jiefang
):
    effective_exits(caseworker_jiefang, 1)
    response = login(client, ops_jiaozuo).get(EXPORT + "?day=2026-11-19")
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active.max_row == 1
    assert not IdReveal.objects.exists()


def test_a_bad_export_date_is_said_not_crashed(client, ops_jiaozuo):
    response = login(client, ops_jiaozuo).get(EXPORT + "?day=2026-13-45", follow=True)
    assert "请输入有效的日期" in response.content.decode()


def test_ops_see_the_page_in_their_navigation(client, ops_jiaozuo, caseworker_jiefang):
    assert reverse("national_sync:dashboard") in login(client, ops_jiaozuo).get("/").content.decode()
    client.logout()
    assert (
        reverse("national_sync:dashboard") not in login(client, caseworker_jiefang).get("/").content.decode()
    )


def test_a_days_export_includes_only_that_days_effective_exits(client, ops_jiaozuo, caseworker_jiefang):
    first, second = effective_exits(caseworker_jiefang, 2)
    Exit.objects.filter(pk=second.pk).update(effective_on=date(2026, 11, 19))
    sheet = openpyxl.load_workbook(
        io.BytesIO(login(client, ops_jiaozuo).get(EXPORT + f"?day={DAY}").content)
    ).active
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [first.serial]


def test_the_list_costs_the_same_queries_for_one_row_and_for_many(client, ops_jiaozuo, caseworker_jiefang):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    effective_exits(caseworker_jiefang, 1)
    uploads_open()
    login(client, ops_jiaozuo)
    with CaptureQueriesContext(connection) as one:
        assert client.get(DASHBOARD).status_code == 200
    effective_exits(caseworker_jiefang, 4)
    uploads_open()
    with CaptureQueriesContext(connection) as many:
        page = client.get(DASHBOARD).content.decode()
    assert page.count('id="upload-') == 5
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_persons_timeline_says_when_the_platform_received_the_exit(client, caseworker_jiefang, simulator):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    upload_exits()
    receipt = ExitUpload.objects.get().receipt
    person = exit.registration.person
    page = login(client, caseworker_jiefang).get(reverse("registration:person_detail", args=[person.code]))
    text = page.content.decode()
    assert "注销信息已上传部级业务协同平台" in text and receipt in text
