"""The ops page of the national platform exchange: parked national applications with their reasons and a retry,
the push queues with a resend; login, role and region checks on every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from national_sync.applications import national_application_take
from national_sync.exchange_models import NationalApplication, NationalPush
from national_sync.pushes import pushes_open
from offices.roles import Role
from registration.models import Application
from tests.conftest import make_staff
from tests.followup.factories import registered
from tests.registration.factories import citizen_id

pytestmark = pytest.mark.django_db

ID_NUMBER = citizen_id(seq=321)


def parked_row(**fields) -> NationalApplication:
    item = {
        "QGSQBH": "QG-VIEW-1",
        "SQSJ": "2026-11-20T09:15:00+08:00",
        "AAB301": "410802",
        "DJDLX": "2",
        "AAC058": "01",
        "AAC044": ID_NUMBER,
        "AAC003": "钱多",
        "CNBZ": "0",  # not committed: parked
        **fields,
    }
    assert national_application_take(item=item) == "parked"
    return NationalApplication.objects.get(number=item["QGSQBH"])


def rejected_push(caseworker) -> NationalPush:
    registration = registered(caseworker)
    pushes_open()
    NationalPush.objects.filter(registration=registration).update(
        status=NationalPush.Status.REJECTED,
        last_error="平台退回：测试",
        errors=[{"field": "DJBH", "message": "平台退回：测试"}],
    )
    return NationalPush.objects.get(registration=registration)


def urls(row: NationalApplication, push: NationalPush) -> dict[str, str]:
    return {
        "exchange": reverse("national_sync:exchange"),
        "retry": reverse("national_sync:exchange_retry", args=[row.pk]),
        "resend": reverse("national_sync:exchange_resend", args=[push.pk]),
        "run": reverse("national_sync:exchange_run_now"),
    }


def test_anonymous_users_are_sent_to_the_login_page(client, caseworker_jiefang):
    for name, url in urls(parked_row(), rejected_push(caseworker_jiefang)).items():
        response = client.get(url) if name == "exchange" else client.post(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], name


def test_a_caseworker_gets_403_everywhere(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    for name, url in urls(parked_row(), rejected_push(caseworker_jiefang)).items():
        response = (
            client.get(url) if name == "exchange" else client.post(url, {"job": "national_sync.push_records"})
        )
        assert response.status_code == 403, name


def test_ops_see_parked_rows_with_their_reason_and_masked_id_and_the_push_queues(
    client, ops_jiaozuo, caseworker_jiefang
):
    row = parked_row()
    push = rejected_push(caseworker_jiefang)
    client.force_login(ops_jiaozuo)
    page = client.get(reverse("national_sync:exchange")).content.decode()
    assert f'id="parked-{row.pk}"' in page and "CNBZ" in page and row.number in page
    assert ID_NUMBER not in page and ID_NUMBER[:3] in page
    assert f'id="push-{push.pk}"' in page and "平台退回：测试" in page
    assert 'id="queue-registration"' in page


def test_ops_retry_a_parked_row_once_its_cause_is_fixed(client, ops_jiaozuo, office_jiefang):
    row = parked_row()
    row.payload = {**row.payload, "CNBZ": "1"}  # the platform corrected the record
    row.save()
    client.force_login(ops_jiaozuo)
    response = client.post(reverse("national_sync:exchange_retry", args=[row.pk]), follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == "taken"
    assert Application.objects.get(national_application_number="QG-VIEW-1").channel == "national"
    assert row.application.number in response.content.decode()


def test_a_failed_retry_shows_the_reason_and_keeps_the_row(client, ops_jiaozuo, office_jiefang):
    row = parked_row()
    client.force_login(ops_jiaozuo)
    page = client.post(reverse("national_sync:exchange_retry", args=[row.pk]), follow=True).content.decode()
    assert "仍不能转为申请" in page and "CNBZ" in page
    row.refresh_from_db()
    assert row.status == "parked" and row.attempts == 2


def test_ops_see_the_latest_acknowledged_records_with_their_receipts(client, ops_jiaozuo, caseworker_jiefang):
    push = rejected_push(caseworker_jiefang)
    NationalPush.objects.filter(pk=push.pk).update(
        status=NationalPush.Status.ACKNOWLEDGED, receipt="QGPTR00000000042", acknowledged_at=push.created_at
    )
    client.force_login(ops_jiaozuo)
    page = client.get(reverse("national_sync:exchange")).content.decode()
    assert "QGPTR00000000042" in page and push.key in page


def test_ops_resend_a_rejected_push(client, ops_jiaozuo, caseworker_jiefang):
    push = rejected_push(caseworker_jiefang)
    client.force_login(ops_jiaozuo)
    client.post(reverse("national_sync:exchange_resend", args=[push.pk]))
    push.refresh_from_db()
    assert push.status == NationalPush.Status.PENDING


def test_ops_of_another_region_neither_see_nor_act_on_the_rows(client, office_wenxian, caseworker_jiefang):
    row = parked_row()
    push = rejected_push(caseworker_jiefang)
    ops_wenxian = make_staff("ops_wenxian", office_wenxian, Role.OPS)
    client.force_login(ops_wenxian)
    page = client.get(reverse("national_sync:exchange")).content.decode()
    assert row.number not in page and f'id="push-{push.pk}"' not in page
    assert client.post(reverse("national_sync:exchange_retry", args=[row.pk])).status_code == 404
    assert client.post(reverse("national_sync:exchange_resend", args=[push.pk])).status_code == 404
    row.refresh_from_db()
    push.refresh_from_db()
    assert row.attempts == 1 and push.status == NationalPush.Status.REJECTED


def test_a_row_of_no_known_region_is_seen_only_by_the_whole_deployment(client, ops_jiaozuo):
    row = parked_row(QGSQBH="QG-NOWHERE", AAB301="999999")
    assert row.region is None
    client.force_login(ops_jiaozuo)  # a city office
    assert row.number not in client.get(reverse("national_sync:exchange")).content.decode()
    assert client.post(reverse("national_sync:exchange_retry", args=[row.pk])).status_code == 404


def test_the_writes_refuse_get_and_run_now_only_runs_the_exchange_jobs(
    client, ops_jiaozuo, caseworker_jiefang
):
    row, push = parked_row(), rejected_push(caseworker_jiefang)
    client.force_login(ops_jiaozuo)
    for name, url in urls(row, push).items():
        if name != "exchange":
            assert client.get(url).status_code == 405, name
    assert (
        client.post(reverse("national_sync:exchange_run_now"), {"job": "registration.x"}).status_code == 404
    )
    response = client.post(
        reverse("national_sync:exchange_run_now"), {"job": "national_sync.pull_applications"}
    )
    assert response.status_code == 302


def test_the_page_costs_the_same_queries_for_one_row_and_many(client, ops_jiaozuo, caseworker_jiefang):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n: int, start: int) -> None:
        for i in range(n):
            parked_row(QGSQBH=f"QG-N-{start + i}", AAC044=citizen_id())
            rejected_push(caseworker_jiefang)

    client.force_login(ops_jiaozuo)
    url = reverse("national_sync:exchange")
    add(1, 0)
    client.get(url)  # warm caches (session, permissions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    add(4, 1)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(re.findall(r'id="parked-\d', page)) == 5 and len(re.findall(r'id="push-\d', page)) == 5
    assert len(many) == len(one)
