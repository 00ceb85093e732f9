"""Decisions need their evidence (DESIGN.md, notice 二): "employed" needs a comparison that found employment or a
recorded manual check; "drawing a pension" and "registered elsewhere" a note saying how it was found out;
"under 16" an applicant under 16. The reject form offers only what can be chosen and says what is missing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from registration import services
from registration.models import Application, RejectionReason, Verification

from .factories import record_manual_check, submit

pytestmark = pytest.mark.django_db


def reject(application, user, reason, note=""):
    return services.application_reject(application=application, user=user, reason=reason, note=note)


def test_it_refuses_employed_without_a_comparison_hit_or_a_manual_check(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        reject(application, caseworker_jiefang, RejectionReason.EMPLOYED)
    assert exc.value.message_dict["reason"] == [str(services.EMPLOYED_NEEDS_EVIDENCE)]
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_it_accepts_employed_when_the_comparison_found_employment(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    Verification.objects.create(
        application=application,
        method=Verification.Method.COMPARISON,
        outcome=Verification.Outcome.EMPLOYMENT_FOUND,
        performed_at=timezone.now(),
    )
    assert (
        reject(application, caseworker_jiefang, RejectionReason.EMPLOYED).status
        == Application.Status.REJECTED
    )


def test_it_accepts_employed_after_a_recorded_manual_check(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    record_manual_check(application, caseworker_jiefang)
    assert (
        reject(application, caseworker_jiefang, RejectionReason.EMPLOYED).status
        == Application.Status.REJECTED
    )


@pytest.mark.parametrize("reason", [RejectionReason.DRAWING_PENSION, RejectionReason.ALREADY_REGISTERED])
def test_it_needs_a_note_saying_how_a_pension_or_another_registration_was_found_out(
    caseworker_jiefang, office_jiefang, reason
):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        reject(application, caseworker_jiefang, reason, note="  ")
    assert exc.value.message_dict["note"] == [str(services.REASON_NEEDS_NOTE)]
    done = reject(application, caseworker_jiefang, reason, note="社保系统查询：2024年起领取养老金")
    assert done.decision_note == "社保系统查询：2024年起领取养老金"


def test_it_refuses_outside_working_age_for_an_applicant_of_sixteen_or_more(
    caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang)  # born 1990
    with pytest.raises(ValidationError) as exc:
        reject(application, caseworker_jiefang, RejectionReason.OUT_OF_WORKING_AGE)
    assert exc.value.message_dict["reason"] == [str(services.NOT_UNDER_AGE)]


def test_the_reject_form_offers_only_reasons_with_their_evidence_and_says_what_is_missing(
    client, caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    url = reverse("registration:application_detail", args=[application.code])

    html = client.get(url).content.decode()
    assert f'<option value="{RejectionReason.EMPLOYED}"' not in html
    assert f'<option value="{RejectionReason.NO_JOB_SEEKING}"' in html
    blocked = html[html.index('id="blocked-reasons"') :]
    assert f"<strong>{RejectionReason.EMPLOYED.label}</strong>：{services.EMPLOYED_NEEDS_EVIDENCE}" in blocked
    # The explanations name the reasons, not their internal codes.
    assert f"<dt>{RejectionReason.DRAWING_PENSION.label}</dt>" in html and "<dt>pension</dt>" not in html

    record_manual_check(application, caseworker_jiefang)
    html = client.get(url).content.decode()
    assert f'<option value="{RejectionReason.EMPLOYED}"' in html
