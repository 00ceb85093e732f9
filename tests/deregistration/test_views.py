"""The pages of stage 3: the exit form (person page and its own page) and the supervisor's approval queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.models import Notification
from deregistration.models import Exit
from offices.roles import Role
from registration.models import Registration
from tests.conftest import make_staff

from .factories import registered, with_unreachable

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration(caseworker_jiefang):
    return registered(caseworker_jiefang)


@pytest.fixture
def proposed(registration, caseworker_jiefang):
    from deregistration.services import exit_propose
    from tests.deregistration.factories import TODAY

    return exit_propose(
        registration=registration,
        user=caseworker_jiefang,
        code="90",
        deregistered_on=TODAY,
        remark="本人书面申请注销",
    )


def person_url(registration):
    return reverse("registration:person_detail", args=[registration.person.code])


def test_the_pages_send_anonymous_users_to_the_login_page(client, registration, proposed):
    for response in (
        client.get(reverse("deregistration:exit", args=[registration.code])),
        client.get(reverse("deregistration:approvals")),
        client.post(reverse("deregistration:approve", args=[proposed.pk])),
        client.post(reverse("deregistration:return", args=[proposed.pk])),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_pages_refuse_the_wrong_role(
    client, registration, proposed, ops_jiaozuo, caseworker_jiefang, supervisor_jiaozuo
):
    client.force_login(ops_jiaozuo)
    assert client.get(reverse("deregistration:exit", args=[registration.code])).status_code == 403
    assert client.get(reverse("deregistration:approvals")).status_code == 403
    client.force_login(caseworker_jiefang)  # caseworkers propose, never approve
    assert client.get(reverse("deregistration:approvals")).status_code == 403
    assert client.post(reverse("deregistration:approve", args=[proposed.pk])).status_code == 403
    assert (
        client.post(reverse("deregistration:return", args=[proposed.pk]), {"comment": "x"}).status_code == 403
    )
    client.force_login(supervisor_jiaozuo)  # supervisors approve, they do not deregister
    assert client.get(reverse("deregistration:exit", args=[registration.code])).status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == Exit.Status.PROPOSED


def test_the_pages_answer_404_for_another_region(
    client, registration, proposed, caseworker_wenxian, office_wenxian
):
    client.force_login(caseworker_wenxian)
    assert client.get(reverse("deregistration:exit", args=[registration.code])).status_code == 404
    assert (
        client.post(reverse("deregistration:exit", args=[registration.code]), {"code": "11"}).status_code
        == 404
    )
    client.force_login(make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管"))
    assert client.post(reverse("deregistration:approve", args=[proposed.pk])).status_code == 404
    assert (
        client.post(reverse("deregistration:return", args=[proposed.pk]), {"comment": "x"}).status_code == 404
    )
    assert b"exit-" not in client.get(reverse("deregistration:approvals")).content
    proposed.refresh_from_db()
    assert proposed.status == Exit.Status.PROPOSED


def test_the_writes_refuse_get(client, proposed, supervisor_jiaozuo):
    client.force_login(supervisor_jiaozuo)
    assert client.get(reverse("deregistration:approve", args=[proposed.pk])).status_code == 405
    assert client.get(reverse("deregistration:return", args=[proposed.pk])).status_code == 405


def test_the_person_page_offers_only_the_codes_the_streaks_allow(client, registration, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    page = client.get(person_url(registration)).content.decode()
    assert 'id="person-deregistration"' in page
    assert 'value="11"' in page and 'value="90"' in page
    assert 'value="31"' not in page and 'value="32"' not in page
    assert "目前连续拒绝 0 次，须满 3 次" in page


def test_a_caseworker_exits_a_person_who_found_a_job(client, registration, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    response = client.post(
        reverse("deregistration:exit", args=[registration.code]),
        {"code": "11", "deregistered_on": "2026-11-18", "remark": "", "further_checks": ""},
    )
    assert response.status_code == 302 and response["Location"] == person_url(registration)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ENDED
    exit = Exit.objects.get(registration=registration)
    assert Notification.objects.filter(ref=f"deregistration:{exit.serial}").count() == 1
    page = client.get(person_url(registration)).content.decode()
    assert "11 被各类用人单位录用或招聘" in page and "已注销失业登记" in page


def test_the_exit_form_shows_the_service_errors(client, registration, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    response = client.post(
        reverse("deregistration:exit", args=[registration.code]),
        {"code": "90", "deregistered_on": "2030-01-01", "remark": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "注销日期不能晚于今天" in page
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ACTIVE


def test_a_code_32_exit_is_proposed_then_approved_by_a_supervisor(
    client, registration, caseworker_jiefang, supervisor_jiaozuo
):
    with_unreachable(registration, caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    assert (
        'value="32"' in client.get(reverse("deregistration:exit", args=[registration.code])).content.decode()
    )
    client.post(
        reverse("deregistration:exit", args=[registration.code]),
        {"code": "32", "deregistered_on": "2026-11-19", "further_checks": "入户走访未见本人，社区确认已外出"},
    )
    exit = Exit.objects.get(registration=registration)
    assert exit.status == Exit.Status.PROPOSED
    assert "待主管审批" in client.get(person_url(registration)).content.decode()

    client.force_login(supervisor_jiaozuo)
    queue = client.get(reverse("deregistration:approvals")).content.decode()
    assert f'id="exit-{exit.pk}"' in queue and "入户走访未见本人" in queue
    response = client.post(reverse("deregistration:approve", args=[exit.pk]))
    assert response.status_code == 302
    exit.refresh_from_db()
    registration.refresh_from_db()
    assert exit.status == Exit.Status.EFFECTIVE and registration.status == Registration.Status.ENDED
    assert f'id="exit-{exit.pk}"' not in client.get(reverse("deregistration:approvals")).content.decode()


def test_a_supervisor_returns_a_proposal_with_a_comment(client, registration, proposed, supervisor_jiaozuo):
    client.force_login(supervisor_jiaozuo)
    client.post(reverse("deregistration:return", args=[proposed.pk]), {"comment": ""})
    proposed.refresh_from_db()
    assert proposed.status == Exit.Status.PROPOSED
    client.post(reverse("deregistration:return", args=[proposed.pk]), {"comment": "请核实是否已就业"})
    proposed.refresh_from_db()
    registration.refresh_from_db()
    assert proposed.status == Exit.Status.RETURNED and proposed.return_comment == "请核实是否已就业"
    assert registration.status == Registration.Status.ACTIVE


def test_the_nav_shows_the_approval_queue_to_supervisors_only(client, caseworker_jiefang, supervisor_jiaozuo):
    url = reverse("deregistration:approvals")
    client.force_login(supervisor_jiaozuo)
    assert url in client.get(reverse("home")).content.decode()
    client.force_login(caseworker_jiefang)
    assert url not in client.get(reverse("home")).content.decode()


def test_the_applicants_progress_page_shows_the_exit_and_its_reason_in_plain_chinese(
    client, registration, caseworker_jiefang
):
    from deregistration.services import exit_propose

    exit_propose(
        registration=registration,
        user=caseworker_jiefang,
        code="12",
        deregistered_on=registration.registered_on,
        remark="内部：开了网店",
    )
    html = client.post(
        reverse("apply:status"),
        {"number": registration.application.number, "id_number": registration.person.id_number},
    ).content.decode()
    services_list = html[html.index('<ul class="services"') :]
    assert "注销失业登记：从事个体经营、创办企业或民办非企业" in services_list
    assert "内部" not in html and "李经办" not in html
