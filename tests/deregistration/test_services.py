"""The exit rules of notice 四 through the only entry point, ``deregistration.services``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from common.models import Notification
from deregistration import services
from deregistration.models import Exit
from deregistration.rules import ALL_CODES
from deregistration.services import (
    ALREADY_PROPOSED,
    DATE_IN_FUTURE,
    FURTHER_CHECKS_REQUIRED,
    NOT_ACTIVE,
    NOT_SUPERVISOR,
    OWN_PROPOSAL,
    REMARK_REQUIRED,
    exit_approve,
    exit_propose,
    exit_return,
    ministry_region_code,
)
from offices.models import Office, Region
from offices.roles import Role
from registration.models import Registration
from registration.services import NO_HANDLER_NAME
from tests.conftest import make_staff

from .factories import REGISTERED_ON, TODAY, registered, with_refusals, with_unreachable

pytestmark = pytest.mark.django_db

SIMPLE_CODES = [c for c in ALL_CODES if c not in {"31", "32", "90"}]


def propose(registration, user, code="11", *, on=None, remark="", further_checks="") -> Exit:
    return exit_propose(
        registration=registration,
        user=user,
        code=code,
        deregistered_on=on or date(2026, 11, 18),
        remark=remark,
        further_checks=further_checks,
    )


def messages_of(error: ValidationError, field: str) -> list[str]:
    return [str(m) for m in error.message_dict[field]]


def sms_for(exit: Exit):
    return Notification.objects.filter(ref=f"deregistration:{exit.serial}")


# ---- codes that take effect at once ------------------------------------------------------------------
@pytest.mark.parametrize("code", SIMPLE_CODES)
def test_it_ends_the_registration_at_once_for_every_simple_ajc00a_code(code, caseworker_jiefang):
    registration = registered(caseworker_jiefang)
    exit = propose(registration, caseworker_jiefang, code)
    registration.refresh_from_db()
    assert (registration.status, registration.ended_on) == (Registration.Status.ENDED, date(2026, 11, 18))
    assert (exit.status, exit.reason, exit.effective_on) == (Exit.Status.EFFECTIVE, code, TODAY)
    assert sms_for(exit).count() == (0 if code == "26" else 1)


def test_it_tells_the_person_in_chinese_with_the_reason(caseworker_jiefang):
    exit = propose(registered(caseworker_jiefang), caseworker_jiefang, "11")
    sms = sms_for(exit).get()
    assert sms.phone == "13800000001"
    assert "被各类用人单位录用或招聘" in sms.text and "2026年11月18日" in sms.text


def test_it_stores_the_message_as_no_phone_without_a_phone(caseworker_jiefang):
    exit = propose(registered(caseworker_jiefang, phone=""), caseworker_jiefang, "12")
    assert sms_for(exit).get().status == Notification.Status.NO_PHONE


def test_it_rolls_back_the_registration_end_with_the_exit(caseworker_jiefang, monkeypatch):
    registration = registered(caseworker_jiefang)

    def broken(exit):
        raise RuntimeError("SMS table unavailable")

    monkeypatch.setattr(services, "_tell", broken)
    with pytest.raises(RuntimeError):
        propose(registration, caseworker_jiefang, "11")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ACTIVE and registration.ended_on is None
    assert not Exit.objects.exists()


def test_it_refuses_an_ended_registration(caseworker_jiefang):
    registration = registered(caseworker_jiefang)
    propose(registration, caseworker_jiefang, "11")
    with pytest.raises(ValidationError) as exc:
        propose(registration, caseworker_jiefang, "12")
    assert exc.value.messages == [str(NOT_ACTIVE)]


# ---- dates ----------------------------------------------------------------------------------------------
def test_it_refuses_a_deregistration_date_in_the_future(caseworker_jiefang):
    with pytest.raises(ValidationError) as exc:
        propose(registered(caseworker_jiefang), caseworker_jiefang, on=TODAY + timedelta(days=1))
    assert messages_of(exc.value, "deregistered_on") == [str(DATE_IN_FUTURE)]


def test_it_refuses_a_deregistration_date_before_the_registration(caseworker_jiefang):
    with pytest.raises(ValidationError) as exc:
        propose(registered(caseworker_jiefang), caseworker_jiefang, on=REGISTERED_ON - timedelta(days=1))
    assert "deregistered_on" in exc.value.message_dict


@pytest.mark.parametrize("on", [REGISTERED_ON, TODAY])
def test_it_accepts_the_registration_date_and_today(on, caseworker_jiefang):
    exit = propose(registered(caseworker_jiefang), caseworker_jiefang, on=on)
    assert exit.deregistered_on == on and exit.effective_on == TODAY


# ---- the 31/32/90 safeguard -----------------------------------------------------------------------------
def test_it_refuses_31_without_three_refusals_in_a_row(caseworker_jiefang):
    registration = with_refusals(registered(caseworker_jiefang), caseworker_jiefang, times=2)
    with pytest.raises(ValidationError) as exc:
        propose(registration, caseworker_jiefang, "31", further_checks="入户走访未见本人")
    assert exc.value.message_dict["code"][0].startswith("连续拒绝接受公共就业服务未满3次")
    assert not Exit.objects.exists()


def test_it_refuses_32_without_six_unreachable_months(caseworker_jiefang):
    registration = with_unreachable(registered(caseworker_jiefang), caseworker_jiefang, months=5)
    with pytest.raises(ValidationError) as exc:
        propose(registration, caseworker_jiefang, "32", further_checks="入户走访未见本人")
    assert "code" in exc.value.message_dict


def test_it_refuses_31_and_32_without_the_further_checks(caseworker_jiefang):
    registration = with_refusals(registered(caseworker_jiefang), caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        propose(registration, caseworker_jiefang, "31")
    assert messages_of(exc.value, "further_checks") == [str(FURTHER_CHECKS_REQUIRED)]


def test_it_refuses_90_without_a_remark(caseworker_jiefang):
    with pytest.raises(ValidationError) as exc:
        propose(registered(caseworker_jiefang), caseworker_jiefang, "90")
    assert messages_of(exc.value, "remark") == [str(REMARK_REQUIRED)]


def test_it_refuses_a_remark_over_100_characters(caseworker_jiefang):
    with pytest.raises(ValidationError) as exc:
        propose(registered(caseworker_jiefang), caseworker_jiefang, "90", remark="备" * 101)
    assert "remark" in exc.value.message_dict


def test_it_refuses_a_code_outside_ajc00a(caseworker_jiefang):
    with pytest.raises(ValidationError) as exc:
        propose(registered(caseworker_jiefang), caseworker_jiefang, "22")
    assert "code" in exc.value.message_dict


@pytest.mark.parametrize(
    ("code", "streak", "checks", "remark"),
    [
        ("31", with_refusals, "入户走访两次未见本人，电话联系家属确认拒绝服务", ""),
        ("32", with_unreachable, "入户走访未见本人，社区确认已长期不在本地居住", ""),
        ("90", None, "", "本人书面申请注销"),
    ],
)
def test_it_makes_31_32_and_90_wait_for_a_supervisor_other_than_the_proposer(
    code, streak, checks, remark, caseworker_jiefang, supervisor_jiaozuo
):
    registration = registered(caseworker_jiefang)
    if streak:
        streak(registration, caseworker_jiefang)
    exit = propose(registration, caseworker_jiefang, code, further_checks=checks, remark=remark)
    registration.refresh_from_db()
    assert exit.status == Exit.Status.PROPOSED and exit.effective_on is None
    assert registration.status == Registration.Status.ACTIVE
    assert not sms_for(exit).exists()

    exit = exit_approve(exit=exit, user=supervisor_jiaozuo)
    registration.refresh_from_db()
    assert (exit.status, exit.decided_by, exit.effective_on) == (
        Exit.Status.EFFECTIVE,
        supervisor_jiaozuo,
        TODAY,
    )
    assert (registration.status, registration.ended_on) == (Registration.Status.ENDED, exit.deregistered_on)
    assert sms_for(exit).count() == 1


def test_it_lets_only_a_supervisor_approve(caseworker_jiefang, office_jiefang):
    exit = propose(registered(caseworker_jiefang), caseworker_jiefang, "90", remark="本人书面申请注销")
    colleague = make_staff("cw2", office_jiefang, Role.CASEWORKER, handler_name="钱经办")
    with pytest.raises(PermissionDenied) as exc:
        exit_approve(exit=exit, user=colleague)
    assert str(exc.value) == str(NOT_SUPERVISOR)


def test_it_refuses_the_proposer_approving_their_own_exit(office_jiefang):
    both = make_staff("both", office_jiefang, Role.CASEWORKER, Role.SUPERVISOR, handler_name="周主管")
    exit = propose(registered(both), both, "90", remark="本人书面申请注销")
    with pytest.raises(ValidationError) as exc:
        exit_approve(exit=exit, user=both)
    assert exc.value.messages == [str(OWN_PROPOSAL)]


def test_it_refuses_a_supervisor_of_another_region(caseworker_jiefang, office_wenxian):
    other = make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管")
    exit = propose(registered(caseworker_jiefang), caseworker_jiefang, "90", remark="本人书面申请注销")
    with pytest.raises(PermissionDenied):
        exit_approve(exit=exit, user=other)


def test_a_returned_exit_keeps_the_registration_active_and_allows_a_new_proposal(
    caseworker_jiefang, supervisor_jiaozuo
):
    registration = registered(caseworker_jiefang)
    exit = propose(registration, caseworker_jiefang, "90", remark="本人书面申请注销")
    with pytest.raises(ValidationError) as exc:
        propose(registration, caseworker_jiefang, "11")
    assert exc.value.messages == [str(ALREADY_PROPOSED)]
    with pytest.raises(ValidationError):
        exit_return(exit=exit, user=supervisor_jiaozuo, comment="")
    exit = exit_return(exit=exit, user=supervisor_jiaozuo, comment="请核实是否已就业，按11注销")
    registration.refresh_from_db()
    assert exit.status == Exit.Status.RETURNED and registration.status == Registration.Status.ACTIVE
    with pytest.raises(ValidationError):
        exit_approve(exit=exit, user=supervisor_jiaozuo)
    again = propose(registration, caseworker_jiefang, "11")
    assert again.status == Exit.Status.EFFECTIVE


def test_the_database_refuses_an_effective_31_without_another_approver(caseworker_jiefang):
    exit = propose(registered(caseworker_jiefang), caseworker_jiefang, "11")
    with pytest.raises(IntegrityError), transaction.atomic():
        Exit.objects.filter(pk=exit.pk).update(reason="31", further_checks="核实")


def test_the_database_refuses_a_90_without_a_remark(caseworker_jiefang):
    exit = propose(registered(caseworker_jiefang), caseworker_jiefang, "90", remark="本人书面申请注销")
    with pytest.raises(IntegrityError), transaction.atomic():
        Exit.objects.filter(pk=exit.pk).update(remark="")


# ---- scope and handler -------------------------------------------------------------------------------
def test_it_refuses_a_caseworker_of_another_region(caseworker_jiefang, caseworker_wenxian):
    with pytest.raises(PermissionDenied):
        propose(registered(caseworker_jiefang), caseworker_wenxian, "11")


def test_it_refuses_a_user_without_a_handler_name(caseworker_jiefang, office_jiefang):
    nameless = make_staff("nameless", office_jiefang, Role.CASEWORKER, handler_name="")
    with pytest.raises(ValidationError) as exc:
        propose(registered(caseworker_jiefang), nameless, "11")
    assert exc.value.messages == [str(NO_HANDLER_NAME)]


# ---- the upload fields, stored once ------------------------------------------------------------------
def test_it_stores_the_upload_fields_as_they_were(caseworker_jiefang):
    registration = registered(caseworker_jiefang, name="李四")
    exit = propose(registration, caseworker_jiefang, "11")
    person = registration.person
    assert (exit.region_code, exit.handler_name, exit.name) == ("410802", "李经办", "李四")
    assert (exit.id_type, exit.id_number, exit.social_security_number) == (
        "01",
        person.id_number,
        person.id_number,
    )
    person.name = "李小四"
    person.save()
    caseworker_jiefang.handler_name = "李新"
    caseworker_jiefang.save()
    exit.refresh_from_db()
    assert (exit.name, exit.handler_name) == ("李四", "李经办")


def test_it_gives_an_18_character_serial_unique_and_stable(caseworker_jiefang, supervisor_jiaozuo):
    first = propose(registered(caseworker_jiefang), caseworker_jiefang, "90", remark="本人书面申请注销")
    second = propose(registered(caseworker_jiefang), caseworker_jiefang, "11")
    assert len(first.serial) == len(second.serial) == 18 and first.serial != second.serial
    serial = first.serial
    approved = exit_approve(exit=first, user=supervisor_jiaozuo)
    assert approved.serial == serial
    with pytest.raises(IntegrityError), transaction.atomic():
        Exit.objects.filter(pk=second.pk).update(serial=serial)


def test_it_maps_a_locally_assigned_region_to_the_real_code_it_sits_in(db):
    local = Region.objects.create(
        code="410871", name="焦作市城乡一体化示范区", parent_id="410800", level=3, is_local=True
    )
    assert ministry_region_code(local) == "410800"
    assert ministry_region_code(Region.objects.get(code="410802")) == "410802"


def test_an_exit_in_a_local_region_uploads_the_real_code(db):
    Region.objects.create(
        code="410871", name="焦作市城乡一体化示范区", parent_id="410800", level=3, is_local=True
    )
    office = Office.objects.create(code="T410871", name="示范区公共就业服务中心", region_id="410871")
    caseworker = make_staff("cw_local", office, Role.CASEWORKER, handler_name="郑经办")
    exit = propose(registered(caseworker, region="410871"), caseworker, "11")
    assert exit.region_id == "410871" and exit.region_code == "410800"


def test_the_admin_site_cannot_make_or_change_an_exit(rf):
    from django.contrib.admin.sites import site

    from offices.models import User

    admin = site._registry[Exit]
    request = rf.get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
