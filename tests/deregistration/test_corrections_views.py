"""The pages of the corrections (cancel before upload, transfer), the exits list with its exports and the
printable notice: access (anonymous, wrong role, another region, GET on a POST) and what they do."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from common.privacy import mask_document_number
from deregistration.models import Exit
from deregistration.services import exit_propose
from offices.roles import Role
from registration.models import IdReveal, Registration, Transfer
from tests.conftest import make_staff

from .factories import registered

pytestmark = pytest.mark.django_db


def exit_of(user, code="11", **person) -> Exit:
    registration = registered(user, **person)
    return exit_propose(registration=registration, user=user, code=code, deregistered_on=date(2026, 11, 18))


def person_url(registration):
    return reverse("registration:person_detail", args=[registration.person.code])


@pytest.fixture
def effective(caseworker_jiefang) -> Exit:
    return exit_of(caseworker_jiefang, phone="")


@pytest.fixture
def sup_wenxian(office_wenxian):
    return make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管")


def test_the_pages_send_anonymous_users_to_the_login_page(client, effective, caseworker_jiefang):
    active = registered(caseworker_jiefang)
    for response in (
        client.get(reverse("deregistration:exits")),
        client.get(reverse("deregistration:exits_export")),
        client.post(reverse("deregistration:exits_export_full")),
        client.post(reverse("deregistration:cancel", args=[effective.pk]), {"reason": "x"}),
        client.get(reverse("deregistration:notice", args=[effective.pk])),
        client.get(reverse("deregistration:transfers")),
        client.get(reverse("deregistration:transfer", args=[active.code])),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_pages_refuse_the_wrong_role(client, effective, caseworker_jiefang, ops_jiaozuo, office_wenxian):
    active = registered(caseworker_jiefang)
    client.force_login(ops_jiaozuo)
    for url in ("deregistration:exits", "deregistration:exits_export", "deregistration:transfers"):
        assert client.get(reverse(url)).status_code == 403
    assert client.get(reverse("deregistration:notice", args=[effective.pk])).status_code == 403
    client.force_login(caseworker_jiefang)  # caseworkers neither cancel, move, nor export full numbers
    assert (
        client.post(reverse("deregistration:cancel", args=[effective.pk]), {"reason": "x"}).status_code == 403
    )
    assert client.get(reverse("deregistration:transfer", args=[active.code])).status_code == 403
    assert client.post(reverse("deregistration:exits_export_full")).status_code == 403
    effective.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE and not IdReveal.objects.exists()


def test_the_pages_answer_404_for_another_region(
    client, effective, caseworker_jiefang, caseworker_wenxian, sup_wenxian, office_jiefang
):
    active = registered(caseworker_jiefang)
    client.force_login(caseworker_wenxian)
    assert client.get(reverse("deregistration:notice", args=[effective.pk])).status_code == 404
    assert f'id="exit-{effective.pk}"' not in client.get(reverse("deregistration:exits")).content.decode()
    client.force_login(sup_wenxian)
    assert (
        client.post(reverse("deregistration:cancel", args=[effective.pk]), {"reason": "x"}).status_code == 404
    )
    assert client.get(reverse("deregistration:transfer", args=[active.code])).status_code == 404
    assert (
        client.post(
            reverse("deregistration:transfer", args=[active.code]),
            {"to_office": office_jiefang.pk, "reason": "x"},
        ).status_code
        == 404
    )
    effective.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE and not Transfer.objects.exists()


def test_the_writes_refuse_get(client, effective, supervisor_jiaozuo):
    client.force_login(supervisor_jiaozuo)
    assert client.get(reverse("deregistration:cancel", args=[effective.pk])).status_code == 405
    assert client.get(reverse("deregistration:exits_export_full")).status_code == 405


# ---- cancel -------------------------------------------------------------------------------------------------
def test_a_supervisor_cancels_from_the_person_page_and_the_timeline_shows_it(
    client, effective, caseworker_jiefang, supervisor_jiaozuo
):
    registration = effective.registration
    client.force_login(caseworker_jiefang)
    assert f'id="cancel-{effective.pk}"' not in client.get(person_url(registration)).content.decode()
    client.force_login(supervisor_jiaozuo)
    page = client.get(person_url(registration)).content.decode()
    assert f'id="cancel-{effective.pk}"' in page and "撤销注销（上报前）" in page
    response = client.post(reverse("deregistration:cancel", args=[effective.pk]), {"reason": ""})
    assert response.status_code == 302
    effective.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE
    assert "撤销原因" in client.get(person_url(registration)).content.decode()  # the message names the field
    client.post(reverse("deregistration:cancel", args=[effective.pk]), {"reason": "误将他人注销"})
    effective.refresh_from_db()
    registration.refresh_from_db()
    assert effective.status == Exit.Status.CANCELLED and registration.status == Registration.Status.ACTIVE
    page = client.get(person_url(registration)).content.decode()
    assert "撤销注销，失业登记恢复有效" in page and "误将他人注销" in page
    assert f'id="cancel-{effective.pk}"' not in page


# ---- transfer -----------------------------------------------------------------------------------------------
def test_a_supervisor_moves_a_registration_and_both_offices_see_it(
    client, caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_jiefang, office_wenxian
):
    registration = registered(caseworker_jiefang)
    client.force_login(supervisor_jiaozuo)
    assert 'id="transfer-link"' in client.get(person_url(registration)).content.decode()
    form = client.get(reverse("deregistration:transfer", args=[registration.code])).content.decode()
    assert office_wenxian.name in form and f'value="{office_jiefang.pk}"' not in form
    response = client.post(
        reverse("deregistration:transfer", args=[registration.code]),
        {"to_office": office_wenxian.pk, "reason": ""},
    )
    assert response.status_code == 200 and "转移原因" in response.content.decode()
    response = client.post(
        reverse("deregistration:transfer", args=[registration.code]),
        {"to_office": office_wenxian.pk, "reason": "本人常住地变更至温县"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("deregistration:transfers")
    transfer = Transfer.objects.get()
    for user in (caseworker_jiefang, caseworker_wenxian):
        client.force_login(user)
        page = client.get(reverse("deregistration:transfers")).content.decode()
        assert f'id="transfer-{transfer.pk}"' in page and "本人常住地变更至温县" in page
    page = client.get(person_url(registration)).content.decode()  # caseworker_wenxian now holds it
    assert "失业登记转移：解放区公共就业服务中心 → 温县公共就业服务中心" in page


# ---- the exits list and its exports -------------------------------------------------------------------------
def test_the_exits_list_filters_counts_and_masks(client, caseworker_jiefang):
    first = exit_of(caseworker_jiefang, "11")
    second = exit_of(caseworker_jiefang, "12", name="王五")
    client.force_login(caseworker_jiefang)
    page = client.get(reverse("deregistration:exits")).content.decode()
    assert f'id="exit-{first.pk}"' in page and f'id="exit-{second.pk}"' in page
    assert first.id_number not in page and mask_document_number(first.id_number) in page
    assert 'id="count-11"' in page and 'id="count-12"' in page
    page = client.get(reverse("deregistration:exits"), {"reason": "12"}).content.decode()
    assert f'id="exit-{first.pk}"' not in page and f'id="exit-{second.pk}"' in page
    page = client.get(reverse("deregistration:exits"), {"status": "proposed"}).content.decode()
    assert "没有符合条件的注销" in page
    page = client.get(
        reverse("deregistration:exits"), {"date_from": "2026-11-19", "date_to": "2026-11-01"}
    ).content.decode()
    assert "起始日期不能晚于截止日期" in page


def test_the_exits_list_reads_a_fixed_number_of_queries(client, caseworker_jiefang):
    exit_of(caseworker_jiefang, phone="")
    client.force_login(caseworker_jiefang)
    client.get(reverse("deregistration:exits"))  # warm the session and the code tables

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("deregistration:exits")).status_code == 200
        return len(queries)

    one = count()
    for i in range(4):
        exit_of(caseworker_jiefang, phone="" if i % 2 else "13800000001", name=f"赵{i}")
    assert count() == one


def test_the_exits_list_pages_with_the_shared_pager(client, caseworker_jiefang, monkeypatch):
    from deregistration import views

    monkeypatch.setattr(views, "EXITS_PER_PAGE", 1)
    exit_of(caseworker_jiefang, "11")
    exit_of(caseworker_jiefang, "12", name="王五")
    client.force_login(caseworker_jiefang)
    page = client.get(reverse("deregistration:exits"), {"reason": ""}).content.decode()
    assert 'rel="next"' in page and "reason=&amp;page=2" in page


def test_the_xlsx_export_masks_the_numbers(client, caseworker_jiefang):
    exit = exit_of(caseworker_jiefang, "11")
    client.force_login(caseworker_jiefang)
    response = client.get(reverse("deregistration:exits_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][7] == mask_document_number(exit.id_number) and rows[1][11] == exit.serial
    assert not IdReveal.objects.exists()


def test_the_full_number_export_is_a_logged_reveal(client, caseworker_jiefang, supervisor_jiaozuo):
    exit = exit_of(caseworker_jiefang, "11")
    client.force_login(supervisor_jiaozuo)
    assert "导出 xlsx（完整证件号码）" in client.get(reverse("deregistration:exits")).content.decode()
    response = client.post(reverse("deregistration:exits_export_full"), {"reason": "11"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][7] == exit.id_number
    reveal = IdReveal.objects.get()
    assert (reveal.person_id, reveal.user, reveal.context) == (
        exit.registration.person_id,
        supervisor_jiaozuo,
        IdReveal.Context.EXIT_EXPORT,
    )
    audit = client.get(reverse("registration:id_reveals")).content.decode()
    assert "注销名单导出（完整号码）" in audit


def test_the_export_neutralises_formulas(client, caseworker_jiefang):
    exit = exit_propose(
        registration=registered(caseworker_jiefang),
        user=caseworker_jiefang,
        code="90",
        deregistered_on=date(2026, 11, 18),
        remark='=HYPERLINK("http://x",1)',
    )
    from deregistration.services import exit_approve

    exit_approve(
        exit=exit, user=make_staff("sup2", exit.registration.office, Role.SUPERVISOR, handler_name="钱主管")
    )
    client.force_login(caseworker_jiefang)
    sheet = load_workbook(io.BytesIO(client.get(reverse("deregistration:exits_export")).content)).active
    cell = sheet.cell(row=2, column=14)
    assert cell.value == '=HYPERLINK("http://x",1)' and cell.data_type == "s"


# ---- the printable notice -----------------------------------------------------------------------------------
def test_the_notice_is_offered_when_there_is_no_phone(client, effective, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    notice_url = reverse("deregistration:notice", args=[effective.pk])
    assert notice_url in client.get(person_url(effective.registration)).content.decode()
    assert notice_url in client.get(reverse("deregistration:exits")).content.decode()
    page = client.get(notice_url).content.decode()
    assert "注销失业登记告知书" in page and "11 被各类用人单位录用或招聘" in page
    assert effective.id_number not in page and "@media print" not in page  # styles from print.css
    assert "css/print.css" in page


def test_the_notice_is_not_linked_when_the_sms_was_queued(client, caseworker_jiefang):
    exit = exit_of(caseworker_jiefang, "11")
    client.force_login(caseworker_jiefang)
    notice_url = reverse("deregistration:notice", args=[exit.pk])
    assert notice_url not in client.get(person_url(exit.registration)).content.decode()


def test_there_is_no_notice_for_a_death(client, caseworker_jiefang):
    exit = exit_of(caseworker_jiefang, "26", phone="")
    client.force_login(caseworker_jiefang)
    assert client.get(reverse("deregistration:notice", args=[exit.pk])).status_code == 404


def test_the_nav_lists_the_exits_and_transfers(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    home = client.get(reverse("home")).content.decode()
    assert reverse("deregistration:exits") in home and reverse("deregistration:transfers") in home


def test_an_export_with_filters_that_do_not_hold_exports_nothing(
    client, caseworker_jiefang, supervisor_jiaozuo
):
    exit_of(caseworker_jiefang, "11")
    client.force_login(supervisor_jiaozuo)
    bad = {"date_from": "2026-11-19", "date_to": "2026-11-01"}
    response = client.get(reverse("deregistration:exits_export"), bad)
    assert response.status_code == 302 and response["Location"] == reverse("deregistration:exits")
    response = client.post(reverse("deregistration:exits_export_full"), bad)
    assert response.status_code == 302 and not IdReveal.objects.exists()
