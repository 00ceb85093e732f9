"""The rules of stage 2 (notice 三, 四; Henan 二): first contact within 5 working days, failed attempts kept, the SMS
after a reached first contact, tiers, reassignment, policy suggestions, services, the month's follow-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from common.models import Notification
from common.urgency import counts
from followup import services
from followup.models import (
    Assignment,
    Case,
    ContactAttempt,
    FollowUpOutcome,
    MonthlyFollowUp,
    Policy,
    PolicyIntroduction,
    Service,
    ServiceKind,
    Tier,
    TierChange,
)
from followup.selectors import first_contacts, policy_suggestions
from followup.services import cases_open, contact_record, followup_open_month
from registration.models import ComparisonRecord, ImportBatch
from tests.conftest import make_staff

from .factories import SH, case_of, failed, first_contact, reached, registered

pytestmark = pytest.mark.django_db


# ---- first contact (三: 5 working days) ------------------------------------------------------------------
def test_it_gives_the_case_the_first_contact_deadline_of_five_working_days_over_the_national_day(
    caseworker_jiefang, office_jiefang
):
    # Registered Tuesday 2026-09-29: 09-30 (1), 10-01..07 off, 10-08 (2), 10-09 (3), Saturday 10-10 worked (4),
    # Monday 10-12 (5): due at the end of 10-12.
    registration = registered(caseworker_jiefang, at=datetime(2026, 9, 29, 10, tzinfo=SH))
    assert cases_open() == 1
    case = Case.objects.get(pk=registration.pk)
    assert case.first_contact_due_at == datetime(2026, 10, 12, 23, 59, 59, 999999, tzinfo=SH)
    assert case.responsible == caseworker_jiefang  # by default who registered the person
    with time_machine.travel(datetime(2026, 10, 12, 9, tzinfo=SH), tick=False):
        listed = first_contacts(caseworker_jiefang)
        assert list(listed) == [case]
        assert counts(listed, timezone.now(), "first_contact_due_at") == {
            "total": 1,
            "overdue": 0,
            "due_today": 1,
        }
    with time_machine.travel(datetime(2026, 10, 13, 9, tzinfo=SH), tick=False):
        assert counts(listed, timezone.now(), "first_contact_due_at")["overdue"] == 1


def test_the_sms_sent_at_registration_does_not_meet_the_first_contact(caseworker_jiefang, office_jiefang):
    registration = registered(caseworker_jiefang)
    sms = Notification.objects.get(ref=f"application:{registration.application.number}")
    assert "5个工作日内与您联系" in sms.text  # the automatic SMS was sent ...
    case = case_of(registration)
    assert case.first_contact_at is None  # ... and meets nothing
    assert list(first_contacts(caseworker_jiefang)) == [case]
    assert not ContactAttempt.objects.exists()


def test_it_keeps_failed_attempts_and_only_a_reached_contact_by_staff_meets_the_deadline(
    caseworker_jiefang, office_jiefang
):
    case = case_of(registered(caseworker_jiefang))
    contact_record(case=case, user=caseworker_jiefang, data=failed("no_answer"))
    contact_record(case=case, user=caseworker_jiefang, data=failed("switched_off", channel="sms"))
    case.refresh_from_db()
    assert case.first_contact_at is None
    assert list(first_contacts(caseworker_jiefang)) == [case]

    attempt = first_contact(case, caseworker_jiefang)
    case.refresh_from_db()
    assert attempt.first_contact and case.first_contact_at == attempt.at
    assert (case.tier, case.plan) == (Tier.READY, str(services.TIER_PLANS[Tier.READY]))
    assert list(first_contacts(caseworker_jiefang)) == []
    assert ContactAttempt.objects.filter(case=case, reached=False).count() == 2  # the failed ones stay

    later = contact_record(case=case, user=caseworker_jiefang, data=reached(tier=""))
    assert not later.first_contact  # the first contact is met once


def test_failed_attempts_cannot_be_changed_or_deleted_afterwards(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang))
    attempt = contact_record(case=case, user=caseworker_jiefang, data=failed())
    with pytest.raises(DatabaseError), transaction.atomic():
        ContactAttempt.objects.filter(pk=attempt.pk).update(reached=True, not_reached_reason="")
    with pytest.raises(DatabaseError), transaction.atomic():
        ContactAttempt.objects.filter(pk=attempt.pk).delete()
    assert ContactAttempt.objects.get(pk=attempt.pk).reached is False


def test_a_failed_attempt_needs_its_reason(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang))
    with pytest.raises(ValidationError) as exc:
        contact_record(case=case, user=caseworker_jiefang, data=failed(""))
    assert exc.value.message_dict == {"not_reached_reason": [str(services.NOT_REACHED_REASON_REQUIRED)]}


def test_a_reached_first_contact_records_reason_skill_intention_the_lists_and_the_tier(
    caseworker_jiefang, office_jiefang
):
    case = case_of(registered(caseworker_jiefang))
    bare = reached(
        unemployment_reason="",
        skill_level="",
        wanted_occupation="",
        work_time="",
        service_list_given="",
        policy_list_given="",
        tier="",
    )
    with pytest.raises(ValidationError) as exc:
        contact_record(case=case, user=caseworker_jiefang, data=bare)
    errors = exc.value.message_dict
    assert set(errors) == {
        "unemployment_reason",
        "skill_level",
        "wanted_occupation",
        "work_time",
        "service_list_given",
        "policy_list_given",
        "tier",
    }
    assert errors["service_list_given"] == [str(services.LISTS_REQUIRED)]
    assert not ContactAttempt.objects.exists()


def test_it_refuses_an_attempt_in_the_future_or_before_the_registration(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang))
    for at, message in (
        (timezone.now() + timedelta(hours=1), services.AT_IN_FUTURE),
        (timezone.now() - timedelta(days=3), services.AT_BEFORE_REGISTRATION),
    ):
        with pytest.raises(ValidationError) as exc:
            contact_record(case=case, user=caseworker_jiefang, data=failed(at=at))
        assert exc.value.message_dict == {"at": [str(message)]}


def test_it_sends_an_sms_with_the_office_contact_after_a_reached_first_contact(
    caseworker_jiefang, office_jiefang
):
    office_jiefang.phone = "0391-1234567"
    office_jiefang.save()
    registration = registered(caseworker_jiefang, phone="13900000009")
    case = case_of(registration)
    contact_record(case=case, user=caseworker_jiefang, data=failed())
    assert not Notification.objects.filter(ref=f"followup:{registration.number}").exists()
    first_contact(case, caseworker_jiefang)
    sms = Notification.objects.get(ref=f"followup:{registration.number}")
    assert sms.phone == "13900000009"
    assert "0391-1234567" in sms.text and "查询办理进度" in sms.text and office_jiefang.name in sms.text
    contact_record(case=case, user=caseworker_jiefang, data=reached(tier=""))
    assert Notification.objects.filter(ref=f"followup:{registration.number}").count() == 1  # once


def test_it_refuses_a_contact_outside_the_users_region(
    caseworker_jiefang, caseworker_wenxian, office_jiefang
):
    case = case_of(registered(caseworker_jiefang))
    with pytest.raises(PermissionDenied):
        contact_record(case=case, user=caseworker_wenxian, data=failed())


# ---- tiers --------------------------------------------------------------------------------------------
def test_an_employment_difficulty_person_is_always_in_the_intensive_tier(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang, difficulty_category="040"))
    with pytest.raises(ValidationError) as exc:
        first_contact(case, caseworker_jiefang, tier=Tier.READY)
    assert exc.value.message_dict == {"tier": [str(services.DIFFICULTY_TIER)]}
    first_contact(case, caseworker_jiefang, tier=Tier.INTENSIVE)
    with pytest.raises(ValidationError) as exc:
        services.tier_change(case=case, user=caseworker_jiefang, tier=Tier.GUIDANCE, reason="已参加培训")
    assert exc.value.message_dict == {"tier": [str(services.DIFFICULTY_TIER)]}


def test_it_changes_the_tier_only_with_a_reason_and_keeps_each_change(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang))
    with pytest.raises(ValidationError) as exc:
        services.tier_change(case=case, user=caseworker_jiefang, tier=Tier.GUIDANCE, reason="x")
    assert exc.value.message_dict == {"tier": [str(services.TIER_BEFORE_FIRST_CONTACT)]}
    first_contact(case, caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        services.tier_change(case=case, user=caseworker_jiefang, tier=Tier.GUIDANCE, reason=" ")
    assert exc.value.message_dict == {"reason": [str(services.REASON_REQUIRED)]}
    case = services.tier_change(
        case=case, user=caseworker_jiefang, tier=Tier.GUIDANCE, reason="希望先参加电工培训"
    )
    assert case.tier == Tier.GUIDANCE
    changes = list(
        TierChange.objects.filter(case=case).order_by("at", "pk").values_list("previous", "tier", "reason")
    )
    assert changes == [("", Tier.READY, ""), (Tier.READY, Tier.GUIDANCE, "希望先参加电工培训")]


# ---- reassignment ----------------------------------------------------------------------------------------
def test_a_supervisor_reassigns_one_person_or_a_whole_list_with_history(
    caseworker_jiefang, supervisor_jiaozuo, office_jiefang
):
    colleague = make_staff("cw_jiefang2", office_jiefang, "caseworker", handler_name="周经办")
    cases = [case_of(registered(caseworker_jiefang, name=f"人{i}")) for i in range(3)]
    assert services.cases_reassign(cases=cases[:1], to=colleague, by=supervisor_jiaozuo, reason="休假") == 1
    assert services.cases_reassign(cases=cases, to=colleague, by=supervisor_jiaozuo, reason="调整分工") == 2
    assert set(first_contacts(colleague)) == set(cases)
    assert list(first_contacts(caseworker_jiefang)) == []  # "my first contacts" means mine
    history = list(
        Assignment.objects.order_by("at", "pk").values_list("case_id", "previous", "responsible", "reason")
    )
    assert history == [
        (cases[0].pk, caseworker_jiefang.pk, colleague.pk, "休假"),
        (cases[1].pk, caseworker_jiefang.pk, colleague.pk, "调整分工"),
        (cases[2].pk, caseworker_jiefang.pk, colleague.pk, "调整分工"),
    ]


def test_only_a_supervisor_reassigns_and_only_to_a_caseworker_of_the_region(
    caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_jiefang
):
    case = case_of(registered(caseworker_jiefang))
    with pytest.raises(PermissionDenied):
        services.cases_reassign(cases=[case], to=caseworker_jiefang, by=caseworker_jiefang, reason="x")
    with pytest.raises(ValidationError) as exc:
        services.cases_reassign(cases=[case], to=caseworker_wenxian, by=supervisor_jiaozuo, reason="x")
    assert list(exc.value.message_dict) == ["responsible"]
    with pytest.raises(ValidationError) as exc:
        services.cases_reassign(cases=[case], to=supervisor_jiaozuo, by=supervisor_jiaozuo, reason="x")
    assert exc.value.message_dict == {"responsible": [str(services.NOT_A_CASEWORKER)]}
    assert not Assignment.objects.exists()


# ---- policies and services ---------------------------------------------------------------------------------
def test_it_suggests_the_policies_whose_conditions_the_record_meets(
    caseworker_jiefang, office_jiefang, ops_jiaozuo
):
    graduate = case_of(registered(caseworker_jiefang, name="毕业生", is_graduate=True))
    difficulty = case_of(registered(caseworker_jiefang, name="困难人", difficulty_category="040"))
    today = timezone.localdate()
    everyone = Policy.objects.create(name="职业培训补贴", summary="培训合格后按规定给予补贴")
    for_graduates = Policy.objects.create(name="求职创业补贴", summary="...", for_graduates=True)
    for_difficulty = Policy.objects.create(name="社会保险补贴", summary="...", requires_difficulty=True)
    insured_only = Policy.objects.create(name="技能提升补贴", summary="...", requires_insured=True)
    Policy.objects.create(name="已过期政策", summary="...", valid_until=today - timedelta(days=1))
    Policy.objects.create(name="停用政策", summary="...", active=False)
    Policy.objects.create(name="青年见习", summary="...", max_age=24)  # both are 36 (born 1990)
    assert set(policy_suggestions(graduate)) == {everyone, for_graduates}
    assert set(policy_suggestions(difficulty)) == {everyone, for_difficulty}
    batch = ImportBatch.objects.create(
        kind="social_insurance",
        office=office_jiefang,
        uploaded_by=ops_jiaozuo,
        file_name="si.csv",
        sha256="x",
    )
    ComparisonRecord.objects.create(
        source="social_insurance",
        id_number=graduate.registration.person.id_number,
        name="毕业生",
        organisation="某公司",
        start_date=date(2024, 7, 1),
        end_date=date(2025, 6, 30),
        batch=batch,
    )
    assert insured_only in policy_suggestions(graduate)


def test_it_follows_a_policy_from_introduced_to_granted(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang))
    policy = Policy.objects.create(name="创业担保贷款", summary="...")
    introduction = services.policy_introduce(case=case, user=caseworker_jiefang, policy=policy)
    with pytest.raises(ValidationError):
        services.policy_introduce(case=case, user=caseworker_jiefang, policy=policy)
    with pytest.raises(ValidationError) as exc:
        services.policy_introduction_set_status(
            introduction=introduction, user=caseworker_jiefang, status="granted"
        )
    assert list(exc.value.message_dict) == ["status"]
    for status in ("applied", "granted"):
        introduction = services.policy_introduction_set_status(
            introduction=introduction, user=caseworker_jiefang, status=status
        )
    assert introduction.status == PolicyIntroduction.Status.GRANTED
    with pytest.raises(ValidationError) as exc:
        services.policy_introduction_set_status(
            introduction=introduction, user=caseworker_jiefang, status="not_wanted"
        )
    assert exc.value.message_dict == {"status": [str(services.INTRODUCTION_FINAL)]}


def test_a_job_referral_names_the_employer_and_the_position(caseworker_jiefang, office_jiefang):
    case = case_of(registered(caseworker_jiefang))
    referral = Service.objects.get(kind=ServiceKind.JOB_REFERRAL)
    with pytest.raises(ValidationError) as exc:
        services.service_record(
            case=case, user=caseworker_jiefang, service=referral, delivered_on=timezone.localdate()
        )
    assert exc.value.message_dict == {"employer": [str(services.REFERRAL_NEEDS_EMPLOYER)]}
    delivery = services.service_record(
        case=case,
        user=caseworker_jiefang,
        service=referral,
        delivered_on=timezone.localdate(),
        employer="焦作某机械厂",
        position="电工",
        outcome="已面试",
        internal_note="本人对薪资有顾虑",
    )
    assert delivery.by == caseworker_jiefang


# ---- the month's follow-up (四) ----------------------------------------------------------------------------
def test_a_reached_contact_with_an_outcome_completes_the_month_and_proposes_the_exit(
    caseworker_jiefang, office_jiefang
):
    registration = registered(caseworker_jiefang, at=datetime(2026, 10, 12, 10, tzinfo=SH))
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=SH), tick=False):
        followup_open_month(2026, 11)
        case = Case.objects.get(pk=registration.pk)
        with pytest.raises(ValidationError) as exc:  # a failed attempt cannot carry an outcome
            contact_record(
                case=case, user=caseworker_jiefang, data=failed(outcome=FollowUpOutcome.STILL_LOOKING)
            )
        assert list(exc.value.message_dict) == ["outcome"]
        attempt = contact_record(
            case=case,
            user=caseworker_jiefang,
            data=reached(tier=Tier.READY, outcome=FollowUpOutcome.FOUND_WORK),
        )
        followup = MonthlyFollowUp.objects.get(case=case)
        assert (followup.status, followup.outcome, followup.attempt) == ("done", "found_work", attempt)
        assert followup.proposed_exit_code == "11"  # a proposal for the deregistration stage, not an exit
        assert registration.__class__.objects.get(pk=registration.pk).status == "active"
        with pytest.raises(ValidationError) as exc:
            contact_record(
                case=case,
                user=caseworker_jiefang,
                data=reached(tier="", outcome=FollowUpOutcome.STILL_LOOKING),
            )
        assert exc.value.message_dict == {"outcome": [str(services.NO_OPEN_FOLLOWUP)]}


def test_a_refusal_is_the_refused_outcome(caseworker_jiefang, office_jiefang):
    registration = registered(caseworker_jiefang, at=datetime(2026, 10, 12, 10, tzinfo=SH))
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=SH), tick=False):
        followup_open_month(2026, 11)
        case = Case.objects.get(pk=registration.pk)
        with pytest.raises(ValidationError) as exc:
            contact_record(
                case=case,
                user=caseworker_jiefang,
                data=reached(refused_service=True, outcome=FollowUpOutcome.STILL_LOOKING),
            )
        assert exc.value.message_dict == {"outcome": [str(services.REFUSAL_OUTCOME)]}
        attempt = contact_record(
            case=case, user=caseworker_jiefang, data=reached(outcome=FollowUpOutcome.REFUSED)
        )
        assert attempt.refused_service


def test_could_not_be_reached_needs_a_failed_attempt_in_the_month_and_none_reached(
    caseworker_jiefang, office_jiefang
):
    registration = registered(caseworker_jiefang, at=datetime(2026, 10, 12, 10, tzinfo=SH))
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=SH), tick=False):
        followup_open_month(2026, 11)
        followup = MonthlyFollowUp.objects.get(case_id=registration.pk)
        with pytest.raises(ValidationError) as exc:
            services.followup_close_unreachable(followup=followup, user=caseworker_jiefang)
        assert exc.value.message_dict == {"outcome": [str(services.UNREACHABLE_NEEDS_ATTEMPT)]}
        contact_record(case=followup.case, user=caseworker_jiefang, data=failed())
        followup = services.followup_close_unreachable(
            followup=followup, user=caseworker_jiefang, note="三次未接"
        )
        assert (followup.status, followup.outcome) == ("done", FollowUpOutcome.UNREACHABLE)


def test_the_applicant_sees_the_services_and_policies_without_internal_notes(
    caseworker_jiefang, office_jiefang
):
    from followup.selectors import public_services

    registration = registered(caseworker_jiefang)
    case = case_of(registration)
    services.service_record(
        case=case,
        user=caseworker_jiefang,
        service=Service.objects.get(kind=ServiceKind.JOB_REFERRAL),
        delivered_on=timezone.localdate(),
        employer="某物流公司",
        position="分拣员",
        outcome="已面试",
        internal_note="本人对夜班有顾虑",
    )
    policy = Policy.objects.create(name="创业担保贷款", summary="...")
    services.policy_introduce(case=case, user=caseworker_jiefang, policy=policy, note="内部：下次再问")
    shown = public_services(registration)
    assert {(s.name, s.detail) for s in shown} == {
        ("职业介绍", "某物流公司 · 分拣员 · 已面试"),
        ("政策介绍：创业担保贷款", "已介绍"),
    }
    assert not any("顾虑" in s.detail or "内部" in s.detail or "李经办" in s.detail for s in shown)


def test_the_applicants_progress_page_shows_the_services_without_internal_notes(
    client, caseworker_jiefang, office_jiefang
):
    registration = registered(caseworker_jiefang)
    services.service_record(
        case=case_of(registration),
        user=caseworker_jiefang,
        service=Service.objects.get(kind=ServiceKind.JOB_REFERRAL),
        delivered_on=timezone.localdate(),
        employer="某物流公司",
        position="分拣员",
        outcome="已面试",
        internal_note="本人对夜班有顾虑",
    )
    application = registration.application
    html = client.post(
        reverse("apply:status"), {"number": application.number, "id_number": registration.person.id_number}
    ).content.decode()
    services_list = html[html.index('<ul class="services"') :]
    assert "职业介绍：某物流公司 · 分拣员 · 已面试" in services_list
    assert "顾虑" not in html and "李经办" not in html


def test_the_person_page_has_the_follow_up_section_with_its_streaks(
    client, caseworker_jiefang, office_jiefang
):
    registration = registered(caseworker_jiefang)
    case_of(registration)
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[registration.person.code])).content.decode()
    section = html[html.index('id="person-followup"') :]
    assert f'href="{reverse("followup:case", args=[registration.code])}">{registration.number}</a>' in section
    assert "0 次" in section and "0 个月" in section


def test_a_handed_over_graduates_case_goes_to_a_caseworker_of_the_office_not_to_ops(
    caseworker_jiefang, ops_jiaozuo, office_jiefang
):
    from registration.models import ImportBatch
    from registration.services import registration_hand_over
    from tests.registration.factories import person_data

    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.GRADUATES,
        file_name="list.csv",
        sha256="0" * 64,
        office=ops_jiaozuo.office,
        uploaded_by=ops_jiaozuo,
    )
    registration = registration_hand_over(
        person=person_data(),
        region=office_jiefang.region,
        handed_over_on=timezone.localdate(),
        recorded_by=ops_jiaozuo,
        import_batch=batch,
    )
    assert case_of(registration).responsible == caseworker_jiefang
