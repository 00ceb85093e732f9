"""The rules of application and registration (notice 一, 二, 三, 五, 十), one test per rule."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import FileField

from common import queueing
from common.models import Notification
from common.notifications import notification_resend_queued, notification_send
from registration import services
from registration.idnumbers import validate_citizen_id
from registration.models import (
    REJECTION_EXPLANATIONS,
    Application,
    BundleRequest,
    ComparisonRecord,
    IdReveal,
    ImportBatch,
    Person,
    Registration,
    RejectionReason,
    Verification,
)
from registration.selectors import person_search, worklist

from .factories import citizen_id, person_data, record_manual_check, submit

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

# The five prohibitions (二): 不得要求…证明…毕业证书、学历证书、技能等级证书、档案…；不得与是否在当地参加社会保险挂钩，
# 不得与是否符合领取失业保险金条件关联。严禁以资料（材料）不全、未参保、不符合领金条件等理由拒绝登记。
FORBIDDEN_WORDS = ["材料", "资料", "证明", "证书", "档案", "参保", "社会保险", "失业保险", "领金", "劳动关系"]


def test_it_offers_no_forbidden_rejection_reason_in_the_five_prohibitions():
    for value, label in RejectionReason.choices:
        text = f"{value} {label} {REJECTION_EXPLANATIONS[value]}"
        for word in FORBIDDEN_WORDS:
            assert word not in text, f"rejection reason {value} mentions {word}"
    assert not {"materials", "missing_materials", "not_insured", "not_eligible"} & set(RejectionReason.values)


@pytest.mark.parametrize("reason", ["missing_materials", "not_insured", "not_eligible_for_benefits", ""])
def test_it_refuses_a_rejection_reason_outside_the_closed_list(caseworker_jiefang, office_jiefang, reason):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        services.application_reject(application=application, user=caseworker_jiefang, reason=reason)
    assert services.FORBIDDEN_REASON in exc.value.message_dict["reason"]
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_it_keeps_forbidden_reasons_out_of_the_database_whoever_writes(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            status="rejected", rejection_reason="not_insured", decided_at=application.submitted_at
        )


def test_it_requires_only_the_identity_document_under_the_five_prohibitions(
    caseworker_jiefang, office_jiefang
):
    # Only the document, the name, where and on what basis, and the signed commitment: nothing else.
    application = services.application_submit(
        person=services.PersonData(id_type="01", id_number=citizen_id(), name="李四"),
        channel=Application.Channel.COUNTER,
        basis=Application.Basis.HUKOU,
        region=office_jiefang.region,
        commitment_accepted=True,
        received_by=caseworker_jiefang,
    )
    assert application.status == Application.Status.PENDING
    for model in (Person, Application, Registration, Verification, BundleRequest):
        assert not [f for f in model._meta.get_fields() if isinstance(f, FileField)], model


def test_it_requires_the_signed_commitment(caseworker_jiefang, office_jiefang):
    with pytest.raises(ValidationError) as exc:
        submit(user=caseworker_jiefang, commitment_accepted=False)
    assert exc.value.message_dict["commitment_accepted"] == [services.COMMITMENT_REQUIRED]
    assert not Application.objects.exists() and not Person.objects.exists()


def test_it_sets_the_decision_due_time_three_working_days_after_submission(
    caseworker_jiefang, office_jiefang, time_machine
):
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=SH), tick=False)  # Monday
    application = submit(user=caseworker_jiefang)
    assert application.due_at == datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=SH)


def test_it_counts_the_decision_deadline_over_the_national_day_holiday(
    caseworker_jiefang, office_jiefang, time_machine
):
    time_machine.move_to(datetime(2026, 9, 30, 16, 0, tzinfo=SH), tick=False)  # Wednesday before 10-01..10-07
    application = submit(user=caseworker_jiefang)
    # 10-08 (Thu), 10-09 (Fri), 10-10 (Saturday, 调休 workday).
    assert application.due_at.astimezone(SH).date() == date(2026, 10, 10)


def test_it_refuses_a_second_application_while_one_is_pending(caseworker_jiefang, office_jiefang):
    data = person_data()
    first = submit(user=caseworker_jiefang, person=data)
    with pytest.raises(services.DuplicateApplication) as exc:
        submit(user=caseworker_jiefang, person=data)
    assert exc.value.existing == first
    assert first.number in exc.value.message
    assert Application.objects.count() == 1


def test_it_refuses_an_application_from_a_registered_person_even_in_another_county(
    caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    data = person_data()
    registration = services.application_register(
        application=submit(user=caseworker_jiefang, person=data), user=caseworker_jiefang
    )
    with pytest.raises(services.DuplicateApplication) as exc:
        submit(user=caseworker_wenxian, person=data, region="410825")
    assert exc.value.existing == registration


def test_it_allows_a_new_application_after_a_rejection(caseworker_jiefang, office_jiefang):
    data = person_data()
    first = submit(user=caseworker_jiefang, person=data)
    services.application_reject(
        application=first, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    second = submit(user=caseworker_jiefang, person=data)
    assert second.status == Application.Status.PENDING


def test_it_registers_and_sets_first_contact_due_in_five_working_days(
    caseworker_jiefang, office_jiefang, time_machine
):
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False)
    application = submit(user=caseworker_jiefang)
    time_machine.move_to(datetime(2026, 11, 24, 15, 0, tzinfo=SH), tick=False)  # Tuesday
    registration = services.application_register(application=application, user=caseworker_jiefang)
    assert registration.registered_on == date(2026, 11, 24)
    assert registration.office == office_jiefang and registration.registered_by == caseworker_jiefang
    assert registration.number.startswith("DJ20261124") and len(registration.number) == 18
    # 11-25, 26, 27, 30, 12-01.
    assert registration.first_contact_due_at == datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=SH)
    application.refresh_from_db()
    assert (
        application.status == Application.Status.REGISTERED and application.decided_by == caseworker_jiefang
    )


def test_it_refuses_to_register_a_person_under_the_working_age(
    caseworker_jiefang, office_jiefang, time_machine
):
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False)
    application = submit(
        user=caseworker_jiefang, person=person_data(id_number=citizen_id(date(2010, 11, 24)))
    )
    with pytest.raises(ValidationError) as exc:
        services.application_register(application=application, user=caseworker_jiefang)
    assert exc.value.messages == [services.UNDER_WORKING_AGE]
    assert not Registration.objects.exists()
    # As the message says: the caseworker refuses it for that reason instead.
    services.application_reject(
        application=application, user=caseworker_jiefang, reason=RejectionReason.OUT_OF_WORKING_AGE
    )
    application.refresh_from_db()
    assert (application.status, application.rejection_reason) == (
        Application.Status.REJECTED,
        RejectionReason.OUT_OF_WORKING_AGE,
    )


def test_it_registers_a_person_on_their_sixteenth_birthday(caseworker_jiefang, office_jiefang, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False)
    application = submit(
        user=caseworker_jiefang, person=person_data(id_number=citizen_id(date(2010, 11, 23)))
    )
    registration = services.application_register(application=application, user=caseworker_jiefang)
    assert registration.registered_on == date(2026, 11, 23)


DECISIONS = {
    "register": lambda application, user: services.application_register(application=application, user=user),
    "reject": lambda application, user: services.application_reject(
        application=application, user=user, reason=RejectionReason.NO_JOB_SEEKING
    ),
}
DECIDED_STATUS = {"register": Application.Status.REGISTERED, "reject": Application.Status.REJECTED}


# A second registration cannot reach the claim: the check for an active registration refuses it first.
@pytest.mark.parametrize(
    ("first", "second"), [("reject", "reject"), ("reject", "register"), ("register", "reject")]
)
def test_it_decides_an_application_only_once(caseworker_jiefang, office_jiefang, first, second):
    application = submit(user=caseworker_jiefang)
    # What a second caseworker's open page still holds: the application as pending.
    stale = Application.objects.get(pk=application.pk)
    DECISIONS[first](application, caseworker_jiefang)
    application.refresh_from_db()

    with pytest.raises(ValidationError) as exc:
        DECISIONS[second](stale, caseworker_jiefang)

    assert exc.value.code == "not_pending"
    assert exc.value.messages == [services.NOT_PENDING % {"status": DECIDED_STATUS[first].label}]
    kept = Application.objects.get(pk=application.pk)
    assert (kept.status, kept.decided_at) == (DECIDED_STATUS[first], application.decided_at)
    assert Registration.objects.count() == (1 if first == "register" else 0)


def test_it_lists_only_the_applications_within_the_users_region(
    caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_jiefang, office_wenxian
):
    jiefang_app = submit(user=caseworker_jiefang)
    wenxian_app = submit(user=caseworker_wenxian, region="410825")

    assert list(worklist(caseworker_jiefang)) == [jiefang_app]
    assert list(worklist(caseworker_wenxian)) == [wenxian_app]
    assert set(worklist(supervisor_jiaozuo)) == {jiefang_app, wenxian_app}


def test_it_refuses_a_decision_by_a_caseworker_of_another_region(
    caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    wenxian_app = submit(user=caseworker_wenxian, region="410825")

    with pytest.raises(PermissionDenied):
        services.application_register(application=wenxian_app, user=caseworker_jiefang)

    wenxian_app.refresh_from_db()
    assert wenxian_app.status == Application.Status.PENDING
    assert not Registration.objects.exists()


def test_it_refuses_an_application_for_a_region_outside_the_caseworkers_scope(
    caseworker_jiefang, office_jiefang, office_wenxian
):
    with pytest.raises(ValidationError) as exc:
        submit(user=caseworker_jiefang, region="410825")

    assert exc.value.message_dict == {"region": [services.OUT_OF_SCOPE]}
    assert not Application.objects.exists() and not Person.objects.exists()


def test_it_finds_people_only_within_the_searchers_region(
    caseworker_jiefang, caseworker_wenxian, supervisor_jiaozuo, office_jiefang, office_wenxian
):
    submit(user=caseworker_wenxian, region="410825", person=person_data(name="王五"))

    assert list(person_search(caseworker_jiefang, "王")) == []
    assert [p.name for p in person_search(caseworker_wenxian, "王")] == ["王五"]
    assert [p.name for p in person_search(supervisor_jiaozuo, "王")] == ["王五"]


def test_it_refuses_a_citizen_id_with_a_wrong_check_character(caseworker_jiefang, office_jiefang):
    valid = citizen_id()
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    with pytest.raises(ValidationError) as expected:
        validate_citizen_id(wrong_check)

    with pytest.raises(ValidationError) as exc:
        submit(user=caseworker_jiefang, person=person_data(id_number=wrong_check))

    assert expected.value.code == "checksum"
    assert exc.value.message_dict["id_number"] == expected.value.messages
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("sex", "2", "性别与公民身份号码不符"), ("birth_date", date(1990, 5, 18), "出生日期与公民身份号码不符")],
)
def test_it_refuses_a_sex_or_birth_date_that_disagrees_with_the_citizen_id(
    caseworker_jiefang, office_jiefang, field, value, message
):
    number = citizen_id(date(1990, 5, 17), male=True)

    with pytest.raises(ValidationError) as exc:
        submit(user=caseworker_jiefang, person=person_data(id_number=number, **{field: value}))

    assert exc.value.message_dict == {field: [message]}
    assert not Person.objects.exists()


def test_it_refuses_a_name_with_a_space(caseworker_jiefang, office_jiefang):
    with pytest.raises(ValidationError) as exc:
        submit(user=caseworker_jiefang, person=person_data(name="张 三"))

    assert set(exc.value.message_dict) == {"name"}
    assert not Person.objects.exists()


def test_it_derives_sex_and_birth_date_from_the_citizen_id(caseworker_jiefang, office_jiefang):
    number = citizen_id(date(1985, 2, 3), male=False)
    person = submit(user=caseworker_jiefang, person=person_data(id_number=number.lower())).person
    assert (person.id_number, person.sex, person.birth_date) == (number.upper(), "2", date(1985, 2, 3))
    assert person.social_security_number == person.id_number


def test_it_runs_the_information_comparison_on_every_application(
    caseworker_jiefang, office_jiefang, ops_jiaozuo
):
    quiet = submit(user=caseworker_jiefang)
    assert quiet.verifications.get().outcome == Verification.Outcome.NO_RECORD
    number = citizen_id()
    batch = ImportBatch.objects.create(
        kind="social_insurance",
        file_name="x.xlsx",
        sha256="0" * 64,
        office=ops_jiaozuo.office,
        uploaded_by=ops_jiaozuo,
    )
    ComparisonRecord.objects.create(
        source="social_insurance",
        id_number=number,
        name="张三",
        organisation="焦作某公司",
        start_date=date(2024, 1, 1),
        batch=batch,
    )
    employed = submit(user=caseworker_jiefang, person=person_data(id_number=number))
    verification = employed.verifications.get()
    assert verification.outcome == Verification.Outcome.EMPLOYMENT_FOUND
    assert "焦作某公司" in verification.detail


def test_it_records_a_manual_check_by_the_caseworker(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        services.application_verify_manually(
            application=application, user=caseworker_jiefang, outcome="confirmed", detail=" "
        )
    assert set(exc.value.message_dict) == {"detail"}
    v = services.application_verify_manually(
        application=application,
        user=caseworker_jiefang,
        outcome="confirmed",
        detail="电话联系原单位核实已离职",
    )
    assert v.method == Verification.Method.MANUAL and v.performed_by == caseworker_jiefang


def test_it_tells_a_rejected_applicant_the_reason_and_its_explanation(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang, person=person_data(phone="13800000007"))
    record_manual_check(application, caseworker_jiefang)

    services.application_reject(
        application=application, user=caseworker_jiefang, reason=RejectionReason.EMPLOYED
    )

    message = Notification.objects.get(ref=f"application:{application.number}")
    assert message.status == Notification.Status.QUEUED and message.phone == "13800000007"
    assert str(RejectionReason.EMPLOYED.label) in message.text
    assert str(REJECTION_EXPLANATIONS[RejectionReason.EMPLOYED]) in message.text


def test_it_hands_the_result_message_to_celery_only_after_the_decision_commits(
    caseworker_jiefang, office_jiefang, django_capture_on_commit_callbacks
):
    application = submit(user=caseworker_jiefang)

    with django_capture_on_commit_callbacks() as callbacks:
        services.application_reject(
            application=application, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
        )

    assert len(callbacks) == 1


def test_it_sends_a_result_message_once_and_never_again(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    services.application_reject(
        application=application, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    message = Notification.objects.get(ref=f"application:{application.number}")

    assert notification_send(notification_id=message.pk) is True
    assert notification_send(notification_id=message.pk) is False

    message.refresh_from_db()
    assert message.status == Notification.Status.SENT and message.sent_at
    assert message.attempts == 1


def test_it_stores_a_result_message_without_a_phone_as_not_sent(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang, person=person_data(phone=""))
    services.application_register(application=application, user=caseworker_jiefang)
    assert (
        Notification.objects.get(ref=f"application:{application.number}").status
        == Notification.Status.NO_PHONE
    )


def test_it_opens_each_bundle_request_once_per_registration(caseworker_jiefang, office_jiefang):
    registration = services.application_register(
        application=submit(user=caseworker_jiefang), user=caseworker_jiefang
    )
    for kind in BundleRequest.Kind.values:
        services.bundle_request_open(registration=registration, kind=kind, user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        services.bundle_request_open(registration=registration, kind="dibao", user=caseworker_jiefang)
    assert set(exc.value.message_dict) == {"kind"}
    assert registration.bundle_requests.count() == len(BundleRequest.Kind.values)
    dibao = registration.bundle_requests.get(kind="dibao")
    services.bundle_request_set_status(
        request=dibao, user=caseworker_jiefang, status="in_progress", note="已转民政"
    )
    dibao.refresh_from_db()
    assert (dibao.status, dibao.note) == ("in_progress", "已转民政")


def test_it_records_every_reveal_of_a_full_id_number(
    caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    person = submit(user=caseworker_jiefang).person
    page = IdReveal.Context.PERSON_PAGE
    assert services.person_reveal_id(person=person, user=caseworker_jiefang, context=page) == person.id_number
    assert IdReveal.objects.filter(person=person, user=caseworker_jiefang, context=page).count() == 1
    with pytest.raises(PermissionDenied):
        services.person_reveal_id(person=person, user=caseworker_wenxian, context=page)
    assert IdReveal.objects.count() == 1


def test_it_ends_a_registration_exactly_once(caseworker_jiefang, office_jiefang):
    registration = services.application_register(
        application=submit(user=caseworker_jiefang), user=caseworker_jiefang
    )
    services.registration_end(registration=registration, ended_on=date(2026, 12, 1))
    with pytest.raises(ValidationError) as exc:
        services.registration_end(registration=registration, ended_on=date(2026, 12, 2))
    assert exc.value.code == "not_active"
    assert Registration.objects.get().ended_on == date(2026, 12, 1)


def test_it_numbers_applications_like_the_ministry_serial_number(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    assert application.number.startswith("SQ") and len(application.number) == 18


def test_it_keeps_the_decision_and_the_message_when_the_broker_is_down(
    caseworker_jiefang, office_jiefang, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    application = submit(user=caseworker_jiefang)
    # A Celery app like the project's (the same CELERY_ settings: publish retry policy, socket timeouts) whose
    # broker is a port nothing listens on, so queueing makes a real connection attempt that fails.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    with Celery("broker-down", set_as_current=False) as broker_down:
        broker_down.config_from_object("django.conf:settings", namespace="CELERY")
        monkeypatch.setattr(queueing, "current_app", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            registration = services.application_register(application=application, user=caseworker_jiefang)
    assert "could not queue common.send_notification" in caplog.text
    assert Registration.objects.filter(pk=registration.pk).exists()
    message = Notification.objects.get(ref=f"application:{application.number}")
    assert message.status == Notification.Status.QUEUED
    assert notification_resend_queued(older_than=timedelta(0)) == 1  # the sweep sends it later
    message.refresh_from_db()
    assert message.status == Notification.Status.SENT


def test_it_does_not_let_an_anonymous_online_applicant_overwrite_a_known_person(
    caseworker_jiefang, office_jiefang
):
    data = person_data(phone="13800000001", address="解放区民主路1号")
    first = submit(user=caseworker_jiefang, person=data)
    services.application_reject(
        application=first, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    with pytest.raises(ValidationError) as exc:
        submit(channel=Application.Channel.ONLINE, person=person_data(id_number=data.id_number, name="冒名"))
    assert exc.value.message_dict["name"] == [services.NAME_MISMATCH]
    online = submit(
        channel=Application.Channel.ONLINE,
        person=person_data(id_number=data.id_number, name=data.name, phone="13999999999", address="别处"),
    )
    online.person.refresh_from_db()
    assert (online.person.phone, online.person.address) == ("13800000001", "解放区民主路1号")


def test_it_shows_a_known_person_to_the_office_where_they_apply_online_without_moving_them(
    caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    data = person_data()
    first = submit(user=caseworker_jiefang, person=data)
    services.application_reject(
        application=first, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    online = submit(channel=Application.Channel.ONLINE, region="410825", person=data)
    online.person.refresh_from_db()
    assert online.person.region_id == "410802"  # managed where recorded until 温县 registers them
    assert [p.name for p in person_search(caseworker_wenxian, data.id_number)] == [data.name]
    assert [p.name for p in person_search(caseworker_jiefang, data.id_number)] == [data.name]


def test_it_refuses_politely_when_the_deadline_lies_beyond_the_calendar(
    caseworker_jiefang, office_jiefang, time_machine
):
    time_machine.move_to(datetime(2026, 12, 29, 10, 0, tzinfo=SH), tick=False)
    with pytest.raises(ValidationError) as exc:
        submit(user=caseworker_jiefang)
    assert exc.value.code == "calendar"
    assert not Application.objects.exists()
