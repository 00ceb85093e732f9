"""The exit proposals of the follow-up (found work → 11, started a business → 12): the caseworkers' worklist,
confirming through the prefilled exit form, dismissing with a reason (不予注销)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deregistration.models import Exit, ProposalDismissal
from deregistration.selectors import open_proposals
from deregistration.services import (
    ALREADY_DISMISSED,
    DISMISS_REASON_REQUIRED,
    exit_propose,
    proposal_dismiss,
)
from followup.models import FollowUpOutcome
from registration.models import Registration

from .factories import TODAY, registered, with_outcome

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("deregistration:proposals")


@pytest.fixture
def registration(caseworker_jiefang):
    return registered(caseworker_jiefang)


@pytest.fixture
def proposal(registration, caseworker_jiefang):
    return with_outcome(registration, caseworker_jiefang)


def dismiss_url(followup):
    return reverse("deregistration:dismiss", args=[followup.pk])


# ---- the worklist ------------------------------------------------------------------------------------------
def test_the_pages_send_anonymous_users_to_the_login_page(client, proposal):
    for response in (client.get(PROPOSALS), client.post(dismiss_url(proposal), {"reason": "x"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not ProposalDismissal.objects.exists()


def test_the_pages_refuse_the_wrong_role(client, proposal, ops_jiaozuo, supervisor_jiaozuo):
    for user in (ops_jiaozuo, supervisor_jiaozuo):
        client.force_login(user)
        assert client.get(PROPOSALS).status_code == 403
        assert client.post(dismiss_url(proposal), {"reason": "x"}).status_code == 403
    assert not ProposalDismissal.objects.exists()


def test_dismissing_another_regions_proposal_answers_404_and_get_405(client, proposal, caseworker_wenxian):
    client.force_login(caseworker_wenxian)
    assert client.post(dismiss_url(proposal), {"reason": "x"}).status_code == 404
    assert client.get(dismiss_url(proposal)).status_code == 405
    assert not ProposalDismissal.objects.exists()


def test_the_list_shows_only_open_proposals_of_the_region_with_their_evidence(
    client, registration, proposal, caseworker_jiefang, caseworker_wenxian
):
    still_looking = registered(caseworker_jiefang, name="李四")
    with_outcome(still_looking, caseworker_jiefang, outcome=FollowUpOutcome.STILL_LOOKING)
    business = with_outcome(
        registered(caseworker_jiefang, name="王五"),
        caseworker_jiefang,
        outcome=FollowUpOutcome.STARTED_BUSINESS,
    )
    elsewhere = with_outcome(registered(caseworker_wenxian, region="410825", name="赵六"), caseworker_wenxian)

    client.force_login(caseworker_jiefang)
    response = client.get(PROPOSALS)
    assert response.status_code == 200
    listed = [row["followup"].pk for row in response.context["rows"]]
    assert sorted(listed) == sorted([proposal.pk, business.pk])
    assert elsewhere.pk not in listed
    html = response.content.decode()
    assert "2026-11" in html and "已在某公司上班" in html and "李经办" in html
    exit_url = reverse("deregistration:exit", args=[registration.code])
    assert f"{exit_url}?code=11&amp;deregistered_on=2026-11-18" in html
    assert "?code=12&amp;deregistered_on=2026-11-18" in html

    client.force_login(caseworker_wenxian)
    assert [row["followup"].pk for row in client.get(PROPOSALS).context["rows"]] == [elsewhere.pk]


def test_the_list_stays_free_of_n_plus_1(client, caseworker_jiefang):
    with_outcome(registered(caseworker_jiefang), caseworker_jiefang)
    client.force_login(caseworker_jiefang)

    with CaptureQueriesContext(connection) as one:
        client.get(PROPOSALS)
    for name in ("李四", "王五", "赵六"):
        with_outcome(registered(caseworker_jiefang, name=name), caseworker_jiefang)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PROPOSALS)
    assert len(response.context["rows"]) == 4
    assert len(many) == len(one)


def test_the_person_page_marks_an_open_proposal(client, registration, proposal, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[registration.person.code])).content.decode()
    assert f'id="open-proposal-{proposal.pk}"' in html


# ---- confirm ------------------------------------------------------------------------------------------------
def test_the_exit_form_is_prefilled_from_the_proposal(client, registration, proposal, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    url = reverse("deregistration:exit", args=[registration.code])
    form = client.get(f"{url}?code=11&deregistered_on=2026-11-18").context["form"]
    assert form.initial == {"code": "11", "deregistered_on": "2026-11-18"}
    assert client.get(f"{url}?code=31").context["form"].initial == {}  # 31 is not offered: not prefilled


def test_confirming_creates_an_exit_with_code_11_and_ends_the_registration(
    client, registration, proposal, caseworker_jiefang
):
    client.force_login(caseworker_jiefang)
    response = client.post(
        reverse("deregistration:exit", args=[registration.code]),
        {"code": "11", "deregistered_on": "2026-11-18"},
    )
    assert response.status_code == 302
    exit = Exit.objects.get(registration=registration)
    assert (exit.reason, exit.status, str(exit.deregistered_on)) == ("11", "effective", "2026-11-18")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ENDED
    assert client.get(PROPOSALS).context["rows"] == []  # the proposal is gone once the exit exists


def test_a_proposal_disappears_once_an_exit_is_proposed(registration, proposal, caseworker_jiefang):
    assert list(open_proposals(caseworker_jiefang)) == [proposal]
    exit_propose(
        registration=registration,
        user=caseworker_jiefang,
        code="90",
        deregistered_on=TODAY,
        remark="本人申请",
    )
    assert list(open_proposals(caseworker_jiefang)) == []


# ---- dismiss ------------------------------------------------------------------------------------------------
def test_dismissing_needs_a_reason_and_removes_it_from_the_list(client, proposal, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        proposal_dismiss(followup=proposal, user=caseworker_jiefang, reason="  ")
    assert exc.value.message_dict == {"reason": [str(DISMISS_REASON_REQUIRED)]}
    client.post(dismiss_url(proposal), {"reason": ""})
    assert not ProposalDismissal.objects.exists()
    assert [row["followup"] for row in client.get(PROPOSALS).context["rows"]] == [proposal]

    response = client.post(dismiss_url(proposal), {"reason": "仅为临时帮工，仍在求职"})
    assert response.status_code == 302 and response["Location"] == PROPOSALS
    dismissal = ProposalDismissal.objects.get(followup=proposal)
    assert (dismissal.reason, dismissal.by, dismissal.region_id) == (
        "仅为临时帮工，仍在求职",
        caseworker_jiefang,
        "410802",
    )
    assert client.get(PROPOSALS).context["rows"] == []
    assert Registration.objects.get(pk=proposal.case_id).status == Registration.Status.ACTIVE


def test_it_refuses_to_dismiss_twice(client, proposal, caseworker_jiefang):
    proposal_dismiss(followup=proposal, user=caseworker_jiefang, reason="仍在求职")
    with pytest.raises(ValidationError) as exc:
        proposal_dismiss(followup=proposal, user=caseworker_jiefang, reason="再次")
    assert exc.value.messages == [str(ALREADY_DISMISSED)]
    client.force_login(caseworker_jiefang)
    response = client.post(dismiss_url(proposal), {"reason": "再次"}, follow=True)
    assert str(ALREADY_DISMISSED) in response.content.decode()
    assert ProposalDismissal.objects.filter(followup=proposal).count() == 1


def test_it_refuses_a_caseworker_of_another_region(proposal, caseworker_wenxian):
    with pytest.raises(PermissionDenied):
        proposal_dismiss(followup=proposal, user=caseworker_wenxian, reason="x")
