"""Withdrawal of a pending application at the applicant's own request (撤回): service, page, progress query."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from common.models import Notification
from registration import services
from registration.models import Application
from registration.selectors import person_timeline

from .factories import submit

pytestmark = pytest.mark.django_db
REASON = "申请人来电：已找到工作，本人要求撤回"


def withdraw_url(application: Application) -> str:
    return reverse("registration:application_withdraw", args=[application.code])


# ---- the service --------------------------------------------------------------------------------------
def test_it_withdraws_a_pending_application_records_who_when_why_and_tells_the_applicant(
    caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang)
    application = services.application_withdraw(
        application=application, user=caseworker_jiefang, reason=f"  {REASON}\n"
    )
    assert application.status == Application.Status.WITHDRAWN
    assert application.decision_note == REASON  # trimmed
    assert application.decided_by == caseworker_jiefang and application.decided_at is not None
    assert application.rejection_reason == ""
    sms = Notification.objects.get(ref=f"application:{application.number}")
    assert "已按您本人要求撤回" in sms.text and application.number in sms.text
    # Nothing is open any more: the person may apply again.
    assert services.existing_case(application.person) is None


def test_it_withdraws_only_once_and_only_a_pending_application(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    services.application_withdraw(application=application, user=caseworker_jiefang, reason=REASON)
    with pytest.raises(ValidationError) as exc:
        services.application_withdraw(application=application, user=caseworker_jiefang, reason=REASON)
    assert exc.value.code == "not_pending"
    assert exc.value.messages == ["该申请已办理（已撤回），不能再次办理"]

    registered = submit(user=caseworker_jiefang)
    services.application_register(application=registered, user=caseworker_jiefang)
    with pytest.raises(ValidationError):
        services.application_withdraw(application=registered, user=caseworker_jiefang, reason=REASON)
    registered.refresh_from_db()
    assert registered.status == Application.Status.REGISTERED
    assert Notification.objects.filter(text__contains="撤回").count() == 1


@pytest.mark.parametrize("reason", ["", "   \u3000 ", "撤" * 501])
def test_it_requires_a_reason_of_at_most_500_characters(caseworker_jiefang, office_jiefang, reason):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        services.application_withdraw(application=application, user=caseworker_jiefang, reason=reason)
    assert list(exc.value.message_dict) == ["reason"]
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_a_reason_of_exactly_500_characters_is_kept_whole(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    application = services.application_withdraw(
        application=application, user=caseworker_jiefang, reason="撤" * 500
    )
    assert application.decision_note == "撤" * 500


def test_it_refuses_a_caseworker_of_another_region(
    caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    application = submit(user=caseworker_wenxian, region="410825")
    with pytest.raises(PermissionDenied):
        services.application_withdraw(application=application, user=caseworker_jiefang, reason=REASON)
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_the_timeline_shows_the_withdrawal_with_its_reason(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    services.application_withdraw(application=application, user=caseworker_jiefang, reason=REASON)
    decision = next(e for e in person_timeline(application.person) if e.kind == "decision")
    assert (decision.title, decision.detail) == ("已撤回（申请人本人要求）", REASON)


# ---- the page -----------------------------------------------------------------------------------------
def test_the_application_page_offers_the_withdrawal_with_distinct_ids(
    client, caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:application_detail", args=[application.code])).content.decode()
    assert "撤回申请（申请人本人要求）" in html
    assert f'action="{withdraw_url(application)}"' in html
    textarea = re.search(r'<textarea name="reason"[^>]*>', html).group(0)
    assert 'name="reason"' in textarea and " required" in textarea and 'id="id_withdraw_reason"' in textarea
    assert '<label for="id_withdraw_reason">' in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), f"duplicate element ids: {sorted(i for i in ids if ids.count(i) > 1)}"


def test_a_caseworker_withdraws_from_the_application_page(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    response = client.post(withdraw_url(application), {"reason": REASON}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已按申请人本人要求撤回申请" in html
    assert "撤回申请（申请人本人要求）" not in html  # no decision forms any more
    application.refresh_from_db()
    assert (application.status, application.decision_note) == (Application.Status.WITHDRAWN, REASON)


def test_the_page_refuses_a_withdrawal_without_reason(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    response = client.post(withdraw_url(application), {"reason": "  "}, follow=True)
    html = response.content.decode()
    # The message names its field: shown as it is, not prefixed with the label again.
    assert '<li class="msg msg-error">请填写撤回原因（申请人本人要求撤回的情况）</li>' in html
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_the_withdrawal_page_is_for_caseworkers_of_the_region_by_post_only(
    client, caseworker_jiefang, caseworker_wenxian, ops_jiaozuo, office_jiefang, office_wenxian
):
    application = submit(user=caseworker_jiefang)
    url = withdraw_url(application)

    response = client.post(url, {"reason": REASON})  # anonymous
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(ops_jiaozuo)  # wrong role
    assert client.post(url, {"reason": REASON}).status_code == 403
    client.force_login(caseworker_wenxian)  # another region
    assert client.post(url, {"reason": REASON}).status_code == 404
    client.force_login(caseworker_jiefang)
    assert client.get(url).status_code == 405
    assert client.post(withdraw_url(Application(code=uuid.uuid4())), {"reason": REASON}).status_code == 404

    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


# ---- the applicant's progress query ------------------------------------------------------------------
def test_the_progress_query_tells_the_applicant_it_was_withdrawn(
    client, settings, caseworker_jiefang, office_jiefang
):
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-wd-{uuid.uuid4().hex}"}}
    application = submit(user=caseworker_jiefang)
    services.application_withdraw(application=application, user=caseworker_jiefang, reason=REASON)
    response = client.post(
        reverse("apply:status"), {"number": application.number, "id_number": application.person.id_number}
    )
    html = response.content.decode()
    assert "已撤回" in html and "已按您本人要求撤回" in html
    assert "可随时重新申请" in html
    assert REASON not in html  # the caseworker's note stays internal, as for the other decisions
