"""转移 within the deployment (``registration.services.registration_transfer``): a supervisor moves an active
registration to another office of the province; history kept, both offices see the move, no exit recorded."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from common.history import history_for
from deregistration.models import Exit
from deregistration.services import TRANSFER_WAITING_EXIT, exit_propose
from followup.models import Assignment
from followup.services import case_for
from offices.models import Office, Region
from offices.roles import Role
from registration.models import Registration, Transfer
from registration.selectors import person_visible_to
from registration.services import (
    TRANSFER_NOT_ACTIVE,
    TRANSFER_OTHER_PROVINCE,
    TRANSFER_REASON_REQUIRED,
    TRANSFER_SAME_OFFICE,
    TRANSFER_SUPERVISOR_ONLY,
    registration_transfer,
)
from tests.conftest import make_staff

from .factories import registered

pytestmark = pytest.mark.django_db


def move(registration, user, to_office, reason="本人常住地变更至温县"):
    return registration_transfer(registration=registration, user=user, to_office=to_office, reason=reason)


def test_it_moves_the_registration_and_keeps_the_history(
    caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_jiefang, office_wenxian
):
    registration = registered(caseworker_jiefang)
    transfer = move(registration, supervisor_jiaozuo, office_wenxian)
    registration.refresh_from_db()
    assert (registration.office, registration.region_id, registration.status) == (
        office_wenxian,
        "410825",
        Registration.Status.ACTIVE,
    )
    assert (transfer.from_office, transfer.from_region_id, transfer.to_office, transfer.to_region_id) == (
        office_jiefang,
        "410802",
        office_wenxian,
        "410825",
    )
    assert (transfer.by, transfer.reason) == (supervisor_jiaozuo, "本人常住地变更至温县")
    assert not Exit.objects.exists()  # no exit is recorded
    assert [e["label"] for e in history_for(transfer)] == ["insert"]
    assert any(e["label"] == "update" and "office_id" in (e["diff"] or {}) for e in history_for(registration))


def test_both_offices_see_the_move(
    caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_wenxian
):
    registration = registered(caseworker_jiefang)
    move(registration, supervisor_jiaozuo, office_wenxian)
    registration.refresh_from_db()
    person = registration.person
    assert person.region_id == "410825"
    assert person_visible_to(caseworker_wenxian, person)  # the receiving office holds it now
    assert person_visible_to(caseworker_jiefang, person)  # the sending office keeps the person's history
    from deregistration.selectors import transfers_for

    assert list(transfers_for(caseworker_jiefang)) == list(transfers_for(caseworker_wenxian)) != []


def test_the_followup_case_moves_with_it(
    caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_wenxian
):
    registration = registered(caseworker_jiefang)
    case = case_for(registration)
    assert case.responsible == caseworker_jiefang
    move(registration, supervisor_jiaozuo, office_wenxian)
    case.refresh_from_db()
    assert (case.region_id, case.responsible) == ("410825", caseworker_wenxian)
    assignment = Assignment.objects.get(case=case)
    assert (assignment.previous, assignment.responsible, assignment.by) == (
        caseworker_jiefang,
        caseworker_wenxian,
        supervisor_jiaozuo,
    )
    assert "本人常住地变更至温县" in assignment.reason


def test_it_refuses_the_same_office(caseworker_jiefang, supervisor_jiaozuo, office_jiefang):
    with pytest.raises(ValidationError) as exc:
        move(registered(caseworker_jiefang), supervisor_jiaozuo, office_jiefang)
    assert [str(m) for m in exc.value.message_dict["to_office"]] == [str(TRANSFER_SAME_OFFICE)]


def test_it_refuses_an_office_of_another_province(caseworker_jiefang, supervisor_jiaozuo):
    hebei = Region.objects.filter(code="130000").first() or Region.objects.create(
        code="130000", name="河北省", level=1
    )
    office = Office.objects.create(code="T130000", name="河北省公共就业服务中心", region=hebei)
    registration = registered(caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        move(registration, supervisor_jiaozuo, office)
    assert [str(m) for m in exc.value.message_dict["to_office"]] == [str(TRANSFER_OTHER_PROVINCE)]
    assert not Transfer.objects.exists()


def test_it_may_move_to_an_office_of_the_province_outside_the_supervisors_scope(
    caseworker_jiefang, supervisor_jiaozuo
):
    zhongyuan = Office.objects.create(code="T410102", name="中原区公共就业服务中心", region_id="410102")
    transfer = move(registered(caseworker_jiefang), supervisor_jiaozuo, zhongyuan)
    assert transfer.to_region_id == "410102"


def test_it_requires_a_reason(caseworker_jiefang, supervisor_jiaozuo, office_wenxian):
    with pytest.raises(ValidationError) as exc:
        move(registered(caseworker_jiefang), supervisor_jiaozuo, office_wenxian, reason=" ")
    assert [str(m) for m in exc.value.message_dict["reason"]] == [str(TRANSFER_REASON_REQUIRED)]


def test_it_lets_only_a_supervisor_move(caseworker_jiefang, office_wenxian):
    with pytest.raises(PermissionDenied) as exc:
        move(registered(caseworker_jiefang), caseworker_jiefang, office_wenxian)
    assert str(exc.value) == str(TRANSFER_SUPERVISOR_ONLY)


def test_the_supervisor_must_see_the_source_region(caseworker_jiefang, office_wenxian, office_jiefang):
    wenxian_supervisor = make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管")
    with pytest.raises(PermissionDenied):
        move(registered(caseworker_jiefang), wenxian_supervisor, office_jiefang)


def test_it_refuses_an_ended_registration(caseworker_jiefang, supervisor_jiaozuo, office_wenxian):
    registration = registered(caseworker_jiefang)
    exit_propose(
        registration=registration, user=caseworker_jiefang, code="11", deregistered_on=date(2026, 11, 18)
    )
    with pytest.raises(ValidationError) as exc:
        move(registration, supervisor_jiaozuo, office_wenxian)
    assert exc.value.messages == [str(TRANSFER_NOT_ACTIVE)]


def test_it_refuses_while_an_exit_waits_for_a_supervisor(
    caseworker_jiefang, supervisor_jiaozuo, office_wenxian
):
    registration = registered(caseworker_jiefang)
    exit_propose(
        registration=registration,
        user=caseworker_jiefang,
        code="90",
        deregistered_on=date(2026, 11, 18),
        remark="本人书面申请注销",
    )
    with pytest.raises(ValidationError) as exc:
        move(registration, supervisor_jiaozuo, office_wenxian)
    assert exc.value.messages == [str(TRANSFER_WAITING_EXIT)]
    registration.refresh_from_db()
    assert registration.region_id == "410802" and not Transfer.objects.exists()


def test_the_database_refuses_a_transfer_to_the_same_office(
    caseworker_jiefang, supervisor_jiaozuo, office_wenxian
):
    transfer = move(registered(caseworker_jiefang), supervisor_jiaozuo, office_wenxian)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(to_office=transfer.from_office)
