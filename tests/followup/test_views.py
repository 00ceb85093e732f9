"""The follow-up pages: access (anonymous, wrong role, another region, GET on a POST) and what each page does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.models import Assignment, Case, ContactAttempt, MonthlyFollowUp
from followup.services import contact_record, followup_open_month
from tests.conftest import make_staff

from .factories import SH, case_of, failed, first_contact, registered

pytestmark = pytest.mark.django_db

FIRST = reverse("followup:first_contacts")
MONTHLY = reverse("followup:monthly")


@pytest.fixture
def registration(caseworker_jiefang, office_jiefang):
    return registered(caseworker_jiefang, name="王小明")


def case_urls(code) -> dict[str, str]:
    return {
        name: reverse(f"followup:{name}", args=[code])
        for name in ("case", "contact", "quick_attempt", "tier", "service", "policy_introduce")
    }


# ---- access -----------------------------------------------------------------------------------------------
GET_PAGES = ["first_contacts", "monthly"]


@pytest.mark.parametrize("name", GET_PAGES)
def test_the_lists_send_anonymous_users_to_the_login_page(client, name):
    response = client.get(reverse(f"followup:{name}"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", GET_PAGES)
def test_the_lists_refuse_a_role_without_follow_up_work(client, ops_jiaozuo, name):
    client.force_login(ops_jiaozuo)
    assert client.get(reverse(f"followup:{name}")).status_code == 403


def test_the_case_pages_refuse_anonymous_users_and_the_wrong_role(client, ops_jiaozuo, registration):
    urls = case_urls(registration.code)
    assert client.get(urls["case"]).status_code == 302
    assert client.post(urls["contact"]).status_code == 302
    client.force_login(ops_jiaozuo)
    for name, url in urls.items():
        response = client.get(url) if name == "case" else client.post(url)
        assert response.status_code == 403, name


def test_the_case_pages_answer_404_for_another_region(client, caseworker_wenxian, registration):
    client.force_login(caseworker_wenxian)
    for name, url in case_urls(registration.code).items():
        response = (
            client.get(url)
            if name == "case"
            else client.post(url, {"channel": "phone", "result": "nr:no_answer"})
        )
        assert response.status_code == 404, name
    assert not ContactAttempt.objects.exists()


def test_the_writes_refuse_get(client, caseworker_jiefang, supervisor_jiaozuo, registration):
    client.force_login(caseworker_jiefang)
    for name, url in case_urls(registration.code).items():
        if name != "case":
            assert client.get(url).status_code == 405, name
    client.force_login(supervisor_jiaozuo)
    assert client.get(reverse("followup:reassign")).status_code == 405


def test_a_supervisor_reads_but_records_nothing(client, supervisor_jiaozuo, registration):
    client.force_login(supervisor_jiaozuo)
    urls = case_urls(registration.code)
    assert client.get(urls["case"]).status_code == 200
    assert (
        client.post(urls["quick_attempt"], {"channel": "phone", "result": "nr:no_answer"}).status_code == 403
    )


def test_a_caseworker_cannot_reassign(client, caseworker_jiefang, registration):
    client.force_login(caseworker_jiefang)
    case = case_of(registration)
    response = client.post(
        reverse("followup:reassign"), {"case": case.pk, "responsible": caseworker_jiefang.pk, "reason": "x"}
    )
    assert response.status_code == 403


# ---- my first contacts --------------------------------------------------------------------------------------
def test_my_first_contacts_lists_mine_with_their_urgency(client, caseworker_jiefang, office_jiefang):
    colleague = make_staff("cw_jiefang2", office_jiefang, "caseworker")
    registered(caseworker_jiefang, name="我的人")
    registered(colleague, name="同事的人")
    late = case_of(registered(caseworker_jiefang, name="逾期人"))
    Case.objects.filter(pk=late.pk).update(first_contact_due_at=timezone.now() - timedelta(hours=1))
    client.force_login(caseworker_jiefang)
    html = client.get(FIRST).content.decode()
    assert "我的人" in html and "逾期人" in html and "同事的人" not in html
    assert html.index("逾期人") < html.index("我的人")  # the most urgent first
    assert 'class="overdue"' in html
    overdue = client.get(FIRST, {"due": "overdue"}).content.decode()
    assert "逾期人" in overdue and "我的人" not in overdue


def test_a_quick_entry_records_a_failed_attempt_and_returns_to_the_list(
    client, caseworker_jiefang, registration
):
    client.force_login(caseworker_jiefang)
    url = reverse("followup:quick_attempt", args=[registration.code])
    response = client.post(url, {"channel": "phone", "result": "nr:no_answer", "next": FIRST + "?due=today"})
    assert response.status_code == 302 and response["Location"] == FIRST + "?due=today"
    attempt = ContactAttempt.objects.get()
    assert (attempt.reached, attempt.not_reached_reason, attempt.by) == (
        False,
        "no_answer",
        caseworker_jiefang,
    )
    page = client.get(FIRST).content.decode()
    assert "王小明：已记录未联系上（无人接听）。" in page and "1 次" in page
    # Another site is never a target.
    client.post(url, {"channel": "phone", "result": "nr:no_answer", "next": "https://evil.example/"})
    assert ContactAttempt.objects.count() == 2


def test_the_first_contact_list_makes_no_query_per_row(client, caseworker_jiefang, office_jiefang):
    client.force_login(caseworker_jiefang)
    case = case_of(registered(caseworker_jiefang, name="一"))
    contact_record(case=case, user=caseworker_jiefang, data=failed())
    client.get(FIRST)
    with CaptureQueriesContext(connection) as one:
        client.get(FIRST)
    for i in range(5):
        other = case_of(registered(caseworker_jiefang, name=f"多{i}"))
        contact_record(case=other, user=caseworker_jiefang, data=failed())
    with CaptureQueriesContext(connection) as many:
        html = client.get(FIRST).content.decode()
    assert "多4" in html
    assert len(many.captured_queries) == len(one.captured_queries)


# ---- the case page ---------------------------------------------------------------------------------------
def first_contact_post(**overrides) -> dict:
    data = {
        "channel": "phone",
        "reached": "yes",
        "unemployment_reason": "20",
        "skill_level": "level4",
        "wanted_occupation": "电工",
        "work_time": "full",
        "service_list_given": "handed",
        "policy_list_given": "sms",
        "tier": "ready",
    }
    data.update(overrides)
    return data


def test_the_case_page_records_the_first_contact(client, caseworker_jiefang, registration):
    client.force_login(caseworker_jiefang)
    urls = case_urls(registration.code)
    page = client.get(urls["case"]).content.decode()
    assert "记录首次联系" in page and 'value="20"' in page
    response = client.post(urls["contact"], first_contact_post(skill_level=""))
    assert response.status_code == 400
    assert "首次联系须记录此项" in response.content.decode()
    assert not ContactAttempt.objects.exists()
    response = client.post(urls["contact"], first_contact_post())
    assert response.status_code == 302
    page = client.get(urls["case"]).content.decode()
    assert "已记录首次联系" in page and "一类：具备就业条件，可直接推荐就业" in page
    assert Case.objects.get(pk=registration.pk).first_contact_at is not None


def test_the_person_page_shows_the_follow_up_in_the_timeline_with_a_link(
    client, caseworker_jiefang, registration
):
    client.force_login(caseworker_jiefang)
    person_page = reverse("registration:person_detail", args=[registration.person.code])
    html = client.get(person_page).content.decode()
    assert "首次联系：待完成" in html and reverse("followup:case", args=[registration.code]) in html
    case = case_of(registration)
    contact_record(case=case, user=caseworker_jiefang, data=failed())
    first_contact(case, caseworker_jiefang)
    html = client.get(person_page).content.decode()
    assert "联系未成功：无人接听" in html and "首次联系（已联系上）" in html and "服务类别：" in html


# ---- this month's follow-ups ------------------------------------------------------------------------------
def test_this_months_list_completes_a_follow_up_from_the_row(client, caseworker_jiefang, office_jiefang):
    registration = registered(caseworker_jiefang, at=datetime(2026, 10, 12, 10, tzinfo=SH), name="十月人")
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=SH)):
        case = case_of(registration)
        first_contact(case, caseworker_jiefang, at=datetime(2026, 10, 13, 10, tzinfo=SH))
        followup_open_month(2026, 11)
        client.force_login(caseworker_jiefang)
        html = client.get(MONTHLY).content.decode()
        assert "十月人" in html and "2026-11-30" in html
        url = reverse("followup:quick_attempt", args=[registration.code])
        client.post(url, {"channel": "phone", "result": "out:still_looking", "next": MONTHLY})
        followup = MonthlyFollowUp.objects.get()
        assert (followup.status, followup.outcome) == ("done", "still_looking")
        assert "已联系，仍在求职" in client.get(MONTHLY).content.decode()


# ---- supervisors -------------------------------------------------------------------------------------------
def test_a_supervisor_sees_the_region_by_caseworker_and_reassigns_a_list(
    client, supervisor_jiaozuo, caseworker_jiefang, caseworker_wenxian, office_jiefang
):
    colleague = make_staff("cw_jiefang2", office_jiefang, "caseworker", handler_name="周经办")
    cases = [case_of(registered(caseworker_jiefang, name=f"人{i}")) for i in range(2)]
    case_of(registered(caseworker_wenxian, region="410825", name="温县人"))
    client.force_login(supervisor_jiaozuo)
    html = client.get(FIRST).content.decode()
    assert "人0" in html and "温县人" in html and "按责任经办人" in html and "李经办" in html
    response = client.post(
        reverse("followup:reassign"),
        {"case": [c.pk for c in cases], "responsible": colleague.pk, "reason": "分工调整", "next": FIRST},
    )
    assert response.status_code == 302
    assert Assignment.objects.count() == 2
    assert set(Case.objects.filter(responsible=colleague)) == set(cases)
    listed = client.get(FIRST, {"responsible": colleague.pk}).content.decode()
    assert "人0" in listed and "温县人" not in listed


def test_the_home_panel_links_each_number_to_its_list(client, caseworker_jiefang, registration):
    client.force_login(caseworker_jiefang)
    case_of(registration)
    html = client.get(reverse("home")).content.decode()
    assert 'id="panel-followup"' in html
    assert f'href="{FIRST}?due=overdue"' in html and f'href="{MONTHLY}?status=open"' in html
    assert '<strong id="first-total">1</strong>' in html


def test_a_supervisor_sees_the_months_follow_ups_by_caseworker(
    client, supervisor_jiaozuo, caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    at = datetime(2026, 10, 12, 10, tzinfo=SH)
    registered(caseworker_jiefang, at=at, name="解放人")
    registered(caseworker_wenxian, region="410825", at=at, name="温县人")
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=SH)):
        followup_open_month(2026, 11)
        client.force_login(supervisor_jiaozuo)
        html = client.get(MONTHLY).content.decode()
        assert "按责任经办人" in html and "李经办" in html and "王经办" in html
        assert "解放人" in html and "温县人" in html
        mine = client.get(MONTHLY, {"responsible": caseworker_wenxian.pk}).content.decode()
        assert "温县人" in mine and "解放人" not in mine
        client.force_login(caseworker_jiefang)
        own = client.get(MONTHLY).content.decode()
        assert "解放人" in own and "温县人" not in own and "按责任经办人" not in own


def test_this_months_list_makes_no_query_per_row(client, caseworker_jiefang, office_jiefang):
    at = datetime(2026, 10, 12, 10, tzinfo=SH)
    registered(caseworker_jiefang, at=at, name="一")
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=SH)):
        followup_open_month(2026, 11)
        client.force_login(caseworker_jiefang)
        client.get(MONTHLY)
        with CaptureQueriesContext(connection) as one:
            client.get(MONTHLY)
    for i in range(5):
        registered(caseworker_jiefang, at=at, name=f"多{i}")
    with time_machine.travel(datetime(2026, 11, 16, 10, 10, tzinfo=SH)):
        followup_open_month(2026, 11)
        with CaptureQueriesContext(connection) as many:
            html = client.get(MONTHLY).content.decode()
    assert "多4" in html

    def reads(queries):  # the session's own save after the clock moved is not the list's
        return [q for q in queries.captured_queries if "followup_" in q["sql"] or "registration_" in q["sql"]]

    assert len(reads(many)) == len(reads(one))


def test_the_writes_on_a_follow_up_or_an_introduction_keep_to_the_region(
    client, caseworker_jiefang, caseworker_wenxian, ops_jiaozuo, office_jiefang
):
    from followup.models import Policy, PolicyIntroduction
    from followup.services import policy_introduce

    registration = registered(caseworker_jiefang, at=datetime(2026, 10, 12, 10, tzinfo=SH))
    followup_open_month(2026, 11)
    case = case_of(registration)
    introduction = policy_introduce(
        case=case, user=caseworker_jiefang, policy=Policy.objects.create(name="职业培训补贴", summary="...")
    )
    urls = [
        reverse("followup:unreachable", args=[MonthlyFollowUp.objects.get().pk]),
        reverse("followup:policy_status", args=[introduction.pk]),
    ]
    for url in urls:
        assert client.post(url).status_code == 302  # anonymous: to the login page
    client.force_login(ops_jiaozuo)
    assert [client.post(url).status_code for url in urls] == [403, 403]
    client.force_login(caseworker_wenxian)
    assert [client.post(url, {"status": "applied"}).status_code for url in urls] == [404, 404]
    client.force_login(caseworker_jiefang)
    assert [client.get(url).status_code for url in urls] == [405, 405]
    client.post(urls[1], {"status": "applied"})
    assert PolicyIntroduction.objects.get().status == "applied"
