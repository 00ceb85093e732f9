"""撤销注销 before the upload (``deregistration.services.exit_cancel``) and registration's ``registration_reopen``."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from common.models import Notification
from deregistration import services
from deregistration.models import Exit
from deregistration.services import (
    CANCEL_REASON_REQUIRED,
    NOT_CANCELLABLE,
    NOT_SUPERVISOR_CANCEL,
    exit_cancel,
    exit_propose,
)
from deregistration.signals import exit_cancelled, exit_cancelling
from followup.models import MonthlyFollowUp
from followup.services import case_for, followup_open_month
from offices.roles import Role
from registration.models import Registration
from registration.services import (
    REOPEN_APPLIED_AGAIN,
    REOPEN_IMPORTED,
    REOPEN_NOT_ENDED,
    REOPEN_REGISTERED_AGAIN,
    PersonData,
    application_register,
    registration_reopen,
)
from tests.conftest import make_staff
from tests.registration.factories import submit

from .factories import registered

pytestmark = pytest.mark.django_db

UPLOADED = "该注销已上报部级平台，不能撤销；请本人重新申请失业登记"


def exit_of(registration, user, code="11", on=date(2026, 11, 18)) -> Exit:
    return exit_propose(registration=registration, user=user, code=code, deregistered_on=on)


def same_person(registration) -> PersonData:
    person = registration.person
    return PersonData(
        id_type=person.id_type, id_number=person.id_number, name=person.name, phone=person.phone
    )


@pytest.fixture
def effective(caseworker_jiefang) -> Exit:
    return exit_of(registered(caseworker_jiefang), caseworker_jiefang)


def test_it_cancels_an_effective_exit_before_upload_and_reopens_the_registration(
    effective, supervisor_jiaozuo
):
    exit = exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误将他人注销，核实后撤销")
    registration = exit.registration
    registration.refresh_from_db()
    assert (exit.status, exit.cancelled_by, exit.cancel_reason) == (
        Exit.Status.CANCELLED,
        supervisor_jiaozuo,
        "误将他人注销，核实后撤销",
    )
    assert exit.cancelled_at is not None and exit.effective_on is not None  # the record of the exit stays
    assert (registration.status, registration.ended_on) == (Registration.Status.ACTIVE, None)
    sms = Notification.objects.get(ref=f"deregistration:{exit.serial}:cancel")
    assert "注销已撤销" in sms.text


def test_after_a_cancel_the_registration_can_be_deregistered_again(
    effective, caseworker_jiefang, supervisor_jiaozuo
):
    exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    again = exit_of(effective.registration, caseworker_jiefang, "12")
    assert again.status == Exit.Status.EFFECTIVE and again.serial != effective.serial


def test_it_requires_a_reason_naming_the_field(effective, supervisor_jiaozuo):
    with pytest.raises(ValidationError) as exc:
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="  ")
    assert [str(m) for m in exc.value.message_dict["reason"]] == [str(CANCEL_REASON_REQUIRED)]
    effective.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE


def test_it_lets_only_a_supervisor_cancel(effective, caseworker_jiefang):
    with pytest.raises(PermissionDenied) as exc:
        exit_cancel(exit=effective, user=caseworker_jiefang, reason="误操作")
    assert str(exc.value) == str(NOT_SUPERVISOR_CANCEL)


def test_it_refuses_a_supervisor_of_another_region(effective, office_wenxian):
    other = make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管")
    with pytest.raises(PermissionDenied):
        exit_cancel(exit=effective, user=other, reason="误操作")


def test_it_cancels_only_an_effective_exit(caseworker_jiefang, supervisor_jiaozuo):
    proposed = exit_propose(
        registration=registered(caseworker_jiefang),
        user=caseworker_jiefang,
        code="90",
        deregistered_on=date(2026, 11, 18),
        remark="本人书面申请注销",
    )
    with pytest.raises(ValidationError) as exc:
        exit_cancel(exit=proposed, user=supervisor_jiaozuo, reason="误操作")
    assert exc.value.messages == [str(NOT_CANCELLABLE % {"status": "待主管审批"})]


def test_it_cannot_cancel_twice(effective, supervisor_jiaozuo):
    exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    with pytest.raises(ValidationError):
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")


def test_a_receiver_refuses_the_cancel_after_upload_and_nothing_changes(effective, supervisor_jiaozuo):
    seen = []

    def uploaded(sender, *, exit, user, **kwargs):
        # the exit row is locked by now: the receiver reads it as it is
        seen.append((exit.pk, exit.status, user))
        raise ValidationError(UPLOADED, code="uploaded")

    exit_cancelling.connect(uploaded)
    try:
        with pytest.raises(ValidationError) as exc:
            exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    finally:
        exit_cancelling.disconnect(uploaded)
    assert exc.value.messages == [UPLOADED]
    assert seen == [(effective.pk, Exit.Status.EFFECTIVE, supervisor_jiaozuo)]
    effective.refresh_from_db()
    effective.registration.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE
    assert effective.registration.status == Registration.Status.ENDED


def test_exit_cancelled_is_sent_after_the_cancel_in_the_same_transaction(effective, supervisor_jiaozuo):
    seen = []

    def follow(sender, *, exit, user, **kwargs):
        seen.append((exit.status, Registration.objects.get(pk=exit.registration_id).status))

    exit_cancelled.connect(follow)
    try:
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    finally:
        exit_cancelled.disconnect(follow)
    assert seen == [(Exit.Status.CANCELLED, Registration.Status.ACTIVE)]


def test_the_cancel_and_the_reopen_roll_back_together(effective, supervisor_jiaozuo, monkeypatch):
    def broken(exit):
        raise RuntimeError("SMS table unavailable")

    monkeypatch.setattr(services, "_tell_cancelled", broken)
    with pytest.raises(RuntimeError):
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    effective.refresh_from_db()
    effective.registration.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE and effective.cancelled_by is None
    assert effective.registration.status == Registration.Status.ENDED


def test_it_refuses_when_the_person_has_registered_again(effective, caseworker_jiefang, supervisor_jiaozuo):
    app = submit(user=caseworker_jiefang, person=same_person(effective.registration))
    again = application_register(application=app, user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    assert exc.value.messages == [str(REOPEN_REGISTERED_AGAIN % {"number": again.number})]
    effective.refresh_from_db()
    assert effective.status == Exit.Status.EFFECTIVE


def test_it_refuses_when_the_newer_registration_has_ended_too(
    effective, caseworker_jiefang, supervisor_jiaozuo
):
    app = submit(user=caseworker_jiefang, person=same_person(effective.registration))
    again = application_register(application=app, user=caseworker_jiefang)
    exit_of(again, caseworker_jiefang, "12", on=date(2026, 11, 20))
    with pytest.raises(ValidationError) as exc:
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    assert exc.value.messages == [str(REOPEN_REGISTERED_AGAIN % {"number": again.number})]


def test_it_refuses_when_the_person_has_applied_again(effective, caseworker_jiefang, supervisor_jiaozuo):
    app = submit(user=caseworker_jiefang, person=same_person(effective.registration))
    with pytest.raises(ValidationError) as exc:
        exit_cancel(exit=effective, user=supervisor_jiaozuo, reason="误操作")
    assert exc.value.messages == [str(REOPEN_APPLIED_AGAIN % {"number": app.number})]


def test_reopen_refuses_an_active_registration(caseworker_jiefang, supervisor_jiaozuo):
    with pytest.raises(ValidationError) as exc:
        registration_reopen(registration=registered(caseworker_jiefang), user=supervisor_jiaozuo)
    assert exc.value.messages == [str(REOPEN_NOT_ENDED)]


def test_reopen_refuses_an_imported_ended_registration(effective, supervisor_jiaozuo):
    registration = effective.registration
    Registration.objects.filter(pk=registration.pk).update(ended_reason="11")  # as an imported one has it
    with pytest.raises(ValidationError) as exc:
        registration_reopen(registration=registration, user=supervisor_jiaozuo)
    assert exc.value.messages == [str(REOPEN_IMPORTED)]


def test_reopen_refuses_another_region(effective, office_wenxian):
    other = make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管")
    with pytest.raises(PermissionDenied):
        registration_reopen(registration=effective.registration, user=other)


def test_the_database_keeps_one_active_registration_per_person(effective, caseworker_jiefang):
    app = submit(user=caseworker_jiefang, person=same_person(effective.registration))
    application_register(application=app, user=caseworker_jiefang)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=effective.registration_id).update(status="active", ended_on=None)


def test_the_database_refuses_a_cancelled_exit_without_who_and_why(effective):
    with pytest.raises(IntegrityError), transaction.atomic():
        Exit.objects.filter(pk=effective.pk).update(status=Exit.Status.CANCELLED)


def test_the_followup_of_this_month_reopens_with_the_registration(caseworker_jiefang, supervisor_jiaozuo):
    """Ended before November's follow-ups were opened: the monthly job skipped it; the reopen opens it."""
    registration = registered(caseworker_jiefang)
    exit = exit_propose(
        registration=registration, user=caseworker_jiefang, code="11", deregistered_on=date(2026, 10, 30)
    )
    followup_open_month(2026, 11)
    case = case_for(registration)
    assert not MonthlyFollowUp.objects.filter(case=case, month=date(2026, 11, 1)).exists()
    exit_cancel(exit=exit, user=supervisor_jiaozuo, reason="误操作")
    assert (
        MonthlyFollowUp.objects.get(case=case, month=date(2026, 11, 1)).status == MonthlyFollowUp.Status.OPEN
    )
