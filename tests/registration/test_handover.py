"""Graduates handed over by the education department (notice 一, Henan 三; issue #8): recorded as what happened —
handed over on a date, in the graduate category, no application, no signature, no decision — and due for first
contact like any registration; the commitment is recorded when the person signs it at the counter. Also: the
source of every registration, its categories, the skipped rows of a list, the timeline and the demo data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from common.models import Notification
from offices.models import Region
from offices.roles import Role
from registration import services
from registration.imports import graduates as graduate_flow
from registration.imports import graduates_import
from registration.imports.people import REPEATED_ROW, REPEATED_ROW_OTHER_NAME
from registration.models import Application, ImportBatch, Person, Registration, Verification
from registration.selectors import intake_timeline, person_search
from tests.conftest import make_staff
from workdays.calendar import deadline_at

from .factories import person_data, submit
from .test_imports import GRADUATE_HEADERS, graduates, make_id, xlsx_file

pytestmark = pytest.mark.django_db


def graduate_batch(user) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=ImportBatch.Kind.GRADUATES,
        status=ImportBatch.Status.DONE,
        file_name="名单.xlsx",
        sha256="0" * 64,
        office=user.office,
        uploaded_by=user,
    )


def hand_over(user, *, region: str = "410802", on: date | None = None, **person) -> Registration:
    return services.registration_hand_over(
        person=person_data(**person),
        region=Region.objects.get(code=region),
        handed_over_on=on or timezone.localdate(),
        recorded_by=user,
        import_batch=graduate_batch(user),
        graduate_school="河南理工大学",
        graduation_date=date(2025, 6, 30),
    )


# ---- the record --------------------------------------------------------------------------------------


def test_it_records_a_handed_over_graduate_without_an_application_a_signature_or_a_decision(
    ops_jiaozuo, office_jiefang
):
    on = timezone.localdate() - timedelta(days=3)

    registration = hand_over(ops_jiaozuo, on=on)

    assert registration.source == Registration.Source.HANDED_OVER
    assert registration.handed_over_on == registration.registered_on == on
    assert registration.application is None and not Application.objects.exists()  # nobody applied
    assert registration.registered_by is None  # nobody decided
    assert registration.commitment_at is None and registration.commitment_recorded_by is None  # nobody signed
    assert registration.recorded_by == ops_jiaozuo and registration.import_batch is not None
    assert registration.channel == Application.Channel.EDUCATION
    assert (registration.office, registration.region_id) == (office_jiefang, "410802")
    assert registration.status == Registration.Status.ACTIVE and registration.number.startswith("DJ")
    assert not Verification.objects.exists() and not Notification.objects.exists()


def test_it_makes_a_handed_over_graduate_due_for_first_contact_five_working_days_after_the_hand_over(
    ops_jiaozuo, office_jiefang
):
    on = timezone.localdate() - timedelta(days=10)

    registration = hand_over(ops_jiaozuo, on=on)

    assert registration.first_contact_due_at == deadline_at(on, services.FIRST_CONTACT_WORKDAYS)


def test_it_puts_the_graduate_category_on_the_registration_so_statistics_read_registrations_alone(
    ops_jiaozuo, office_jiefang
):
    registration = hand_over(ops_jiaozuo)

    assert registration.is_graduate and registration.graduate_school == "河南理工大学"
    assert registration.graduation_date == date(2025, 6, 30)
    assert registration.categories == ["离校未就业高校毕业生"]
    assert Registration.objects.filter(is_graduate=True).count() == 1


def test_it_copies_the_applications_channel_categories_and_commitment_onto_a_decided_registration(
    caseworker_jiefang,
):
    application = submit(
        user=caseworker_jiefang,
        channel=Application.Channel.ONLINE,
        is_graduate=True,
        graduate_school="郑州大学",
        graduation_date=date(2025, 7, 1),
        draws_unemployment_subsidy=True,
        migrant_allowance=Application.MigrantAllowance.TEMPORARY,
        difficulty_category="",
    )

    registration = services.application_register(application=application, user=caseworker_jiefang)

    assert registration.source == Registration.Source.DECIDED
    assert (registration.application, registration.registered_by) == (application, caseworker_jiefang)
    assert registration.recorded_by is None and registration.import_batch is None
    assert registration.handed_over_on is None
    assert registration.channel == Application.Channel.ONLINE
    assert (registration.is_graduate, registration.graduate_school, registration.graduation_date) == (
        True,
        "郑州大学",
        date(2025, 7, 1),
    )
    assert registration.draws_unemployment_subsidy
    assert registration.migrant_allowance == Application.MigrantAllowance.TEMPORARY
    assert registration.commitment_at == application.commitment_at
    assert registration.commitment_recorded_by == caseworker_jiefang
    assert registration.categories == application.categories


def test_it_records_a_past_decision_with_its_own_registration_date_and_deadline(caseworker_jiefang):
    submitted = timezone.now() - timedelta(days=40)
    application = submit(user=caseworker_jiefang, submitted_at=submitted)
    decided_at = submitted + timedelta(hours=20)

    registration = services.application_register(
        application=application, user=caseworker_jiefang, decided_at=decided_at
    )

    assert registration.registered_on == timezone.localdate(decided_at)
    assert registration.first_contact_due_at == deadline_at(registration.registered_on, 5)
    application.refresh_from_db()
    assert application.decided_at == decided_at
    with pytest.raises(ValueError):  # no decision in the future, none before the submission
        services.application_register(
            application=submit(user=caseworker_jiefang), user=caseworker_jiefang, decided_at=submitted
        )


@pytest.mark.parametrize(
    "claim",
    [
        "an application",
        "a deciding caseworker",
        "no recorder",
        "no batch",
        "no hand-over date",
        "not a graduate",
    ],
)
def test_the_database_refuses_a_handed_over_registration_claiming_what_did_not_happen(
    ops_jiaozuo, caseworker_jiefang, office_jiefang, claim
):
    registration = hand_over(ops_jiaozuo)
    changes = {
        "an application": {"application": submit(user=caseworker_jiefang)},
        "a deciding caseworker": {"registered_by": caseworker_jiefang},
        "no recorder": {"recorded_by": None},
        "no batch": {"import_batch": None},
        "no hand-over date": {"handed_over_on": None},
        "not a graduate": {"is_graduate": False},
    }[claim]
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(**changes)


def test_the_database_refuses_a_decided_registration_without_its_application_or_commitment(
    caseworker_jiefang,
):
    registration = services.application_register(
        application=submit(user=caseworker_jiefang), user=caseworker_jiefang
    )
    for changes in ({"application": None}, {"registered_by": None}, {"commitment_at": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Registration.objects.filter(pk=registration.pk).update(**changes)


def test_it_refuses_a_hand_over_date_in_the_future_and_a_region_outside_the_importers_scope(
    ops_jiaozuo, office_jiefang
):
    with pytest.raises(ValidationError) as exc:
        hand_over(ops_jiaozuo, on=timezone.localdate() + timedelta(days=1))
    assert exc.value.message_dict == {"handed_over_on": ["移交日期不能晚于今天"]}
    with pytest.raises(ValidationError) as exc:
        hand_over(ops_jiaozuo, region="410102")  # 郑州市中原区
    assert exc.value.message_dict == {"region": ["该事项不在您的管辖区划内"]}
    assert not Registration.objects.exists()


# ---- duplicates --------------------------------------------------------------------------------------


def test_it_skips_and_lists_a_graduate_who_already_has_an_active_registration(
    ops_jiaozuo, caseworker_jiefang
):
    registered = services.application_register(
        application=submit(user=caseworker_jiefang, person=person_data(id_number=make_id(1), name="毕业生1")),
        user=caseworker_jiefang,
    )

    batch = graduates_import(file=xlsx_file(graduates(2)), user=ops_jiaozuo)

    assert (batch.created_rows, batch.skipped_rows, batch.error_rows) == (1, 1, 0)
    assert batch.skips == [{"row": 2, "field": "", "message": f"已有有效的失业登记 {registered.number}"}]
    assert Registration.objects.filter(person=registered.person).get() == registered


def test_it_skips_a_graduate_with_a_pending_application_and_leaves_the_application_to_be_decided(
    ops_jiaozuo, caseworker_jiefang
):
    pending = submit(user=caseworker_jiefang, person=person_data(id_number=make_id(1), name="毕业生1"))

    batch = graduates_import(file=xlsx_file(graduates(1)), user=ops_jiaozuo)

    assert batch.skips == [
        {"row": 2, "field": "", "message": f"已有待办申请 {pending.number}，请在申请中办理"}
    ]
    pending.refresh_from_db()
    assert pending.status == Application.Status.PENDING and not Registration.objects.exists()


def test_it_reports_the_later_rows_of_a_graduate_named_twice_in_one_file_with_both_names(
    ops_jiaozuo, monkeypatch
):
    monkeypatch.setattr(graduate_flow, "CHUNK_ROWS", 2)  # the repeats lie in later chunks
    rows = graduates(2)
    rows.append([make_id(1), "毕业生1", "河南理工大学", date(2025, 6, 30), "", "", ""])  # row 4: same
    rows.append([make_id(1), "王五", "郑州大学", date(2025, 6, 30), "", "", ""])  # row 5: another name

    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)

    assert (batch.created_rows, batch.skipped_rows, batch.error_rows) == (2, 1, 1)
    assert batch.skips == [{"row": 4, "field": "身份证号", "message": str(REPEATED_ROW % {"row": 2})}]
    assert batch.errors == [
        {
            "row": 5,
            "field": "姓名",
            "message": str(REPEATED_ROW_OTHER_NAME % {"row": 2, "first": "毕业生1", "name": "王五"}),
        }
    ]
    assert "“毕业生1”" in batch.errors[0]["message"] and "“王五”" in batch.errors[0]["message"]
    assert Person.objects.get(id_number=make_id(1)).name == "毕业生1"


def test_it_takes_the_hand_over_date_from_the_list_and_refuses_one_in_the_future(ops_jiaozuo):
    today = timezone.localdate()
    rows = [GRADUATE_HEADERS + ["移交日期"]] + [
        [make_id(1), "张三", "郑州大学", "2025-06-30", "", "", "", today - timedelta(days=20)],
        [make_id(2), "李四", "郑州大学", "2025-06-30", "", "", "", today + timedelta(days=1)],
        [make_id(3), "王五", "郑州大学", "2025-06-30", "", "", "", None],
    ]

    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)

    assert batch.errors == [{"row": 3, "field": "移交日期", "message": "移交日期不能晚于今天"}]
    first = Registration.objects.get(person__id_number=make_id(1))
    assert first.handed_over_on == first.registered_on == today - timedelta(days=20)
    assert first.first_contact_due_at == deadline_at(today - timedelta(days=20), 5)
    assert Registration.objects.get(person__id_number=make_id(3)).handed_over_on == today  # the upload day


def test_the_counter_refuses_a_new_application_of_a_handed_over_graduate(
    ops_jiaozuo, caseworker_jiefang, office_jiefang
):
    registration = hand_over(ops_jiaozuo, id_number=make_id(1), name="毕业生1")

    with pytest.raises(services.DuplicateApplication) as exc:
        submit(user=caseworker_jiefang, person=person_data(id_number=make_id(1), name="毕业生1"))

    assert exc.value.existing == registration
    assert registration.number in exc.value.messages[0]


def test_a_handed_over_graduate_is_seen_by_the_county_office_of_the_registration(
    office_jiaozuo, caseworker_wenxian, caseworker_jiefang
):
    city_ops = make_staff("ops_city", office_jiaozuo, Role.OPS)
    registration = hand_over(city_ops, region="410825", id_number=make_id(1), name="毕业生1")

    assert list(person_search(caseworker_wenxian, make_id(1))) == [registration.person]
    assert list(person_search(caseworker_jiefang, make_id(1))) == []


# ---- the commitment, signed later at the counter -------------------------------------------------------


def test_it_records_the_commitment_the_person_signs_at_the_counter_once(
    ops_jiaozuo, caseworker_jiefang, office_jiefang
):
    registration = hand_over(ops_jiaozuo)

    signed = services.registration_record_commitment(registration=registration, user=caseworker_jiefang)

    assert signed.commitment_at is not None and signed.commitment_recorded_by == caseworker_jiefang
    with pytest.raises(ValidationError) as exc:
        services.registration_record_commitment(registration=registration, user=caseworker_jiefang)
    assert exc.value.code == "recorded" and "已记录告知承诺" in exc.value.messages[0]
    registration.refresh_from_db()
    assert registration.commitment_at == signed.commitment_at


def test_it_records_no_commitment_outside_the_caseworkers_region_nor_on_an_ended_registration(
    ops_jiaozuo, caseworker_wenxian, caseworker_jiefang, office_jiefang
):
    registration = hand_over(ops_jiaozuo)
    with pytest.raises(PermissionDenied):
        services.registration_record_commitment(registration=registration, user=caseworker_wenxian)

    services.registration_end(registration=registration, ended_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.registration_record_commitment(registration=registration, user=caseworker_jiefang)
    assert exc.value.code == "not_active"
    registration.refresh_from_db()
    assert registration.commitment_at is None


def commitment_url(registration: Registration) -> str:
    return reverse("registration:registration_commitment", args=[registration.code])


def test_the_person_page_shows_the_source_and_records_the_signed_commitment(
    client, ops_jiaozuo, caseworker_jiefang, office_jiefang
):
    registration = hand_over(ops_jiaozuo, on=date(2026, 7, 6))
    client.force_login(caseworker_jiefang)
    page = reverse("registration:person_detail", args=[registration.person.code])

    html = client.get(page).content.decode()
    assert "教育部门移交（2026-07-06）" in html and "未签署" in html
    assert commitment_url(registration) in html and "记录告知承诺（本人已签署）" in html

    response = client.post(commitment_url(registration), follow=True)

    assert response.redirect_chain[-1][0] == page
    html = response.content.decode()
    assert f"已记录：本人已签署告知承诺（{registration.number}）" in html
    assert commitment_url(registration) not in html  # once
    registration.refresh_from_db()
    assert registration.commitment_recorded_by == caseworker_jiefang


def test_the_commitment_action_answers_anonymous_wrong_role_wrong_region_and_get(
    client, ops_jiaozuo, supervisor_jiaozuo, caseworker_wenxian, office_jiefang
):
    registration = hand_over(ops_jiaozuo)
    url = commitment_url(registration)

    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (ops_jiaozuo, supervisor_jiaozuo):  # neither takes people at the counter
        client.force_login(user)
        assert client.post(url).status_code == 403
    client.force_login(caseworker_wenxian)
    assert client.post(url).status_code == 404  # another county's registration
    assert client.get(url).status_code == 405
    registration.refresh_from_db()
    assert registration.commitment_at is None


def test_the_timeline_shows_the_hand_over_and_the_signed_commitment_instead_of_an_application(
    ops_jiaozuo, caseworker_jiefang, office_jiefang
):
    registration = hand_over(ops_jiaozuo, on=date(2026, 7, 6))
    services.registration_record_commitment(registration=registration, user=caseworker_jiefang)

    titles = [entry.title for entry in sorted(intake_timeline(registration.person), key=lambda e: e.at)]

    assert titles == [
        f"教育部门移交（2026-07-06）：登记失业 {registration.number}",
        "记录告知承诺（本人已签署）",
    ]
    assert not any("申请" in title for title in titles)


# ---- the batch page ------------------------------------------------------------------------------------


def test_the_batch_page_lists_the_skipped_rows_with_why(client, ops_jiaozuo):
    graduates_import(file=xlsx_file(graduates(2)), user=ops_jiaozuo)
    again = graduates_import(file=xlsx_file(graduates(2), "again.xlsx"), user=ops_jiaozuo)
    client.force_login(ops_jiaozuo)

    html = client.get(reverse("registration:import_detail", args=[again.pk])).content.decode()

    assert 'id="import-skips"' in html
    numbers = Registration.objects.order_by("pk").values_list("number", flat=True)
    for row, number in zip((2, 3), numbers, strict=True):
        assert f"<td>{row}</td><td>—</td><td>已有有效的失业登记 {number}</td>" in html


# ---- demo data -----------------------------------------------------------------------------------------


def test_the_demo_data_has_past_registration_dates_handed_over_graduates_and_imported_registrations(db):
    from offices.demo import load_demo_offices
    from registration.demo import load_demo_people

    load_demo_offices()

    assert load_demo_people(count=40) == 40
    assert load_demo_people(count=40) == 0  # idempotent

    sources = set(Registration.objects.values_list("source", flat=True))
    assert sources == set(Registration.Source.values)
    today = timezone.localdate()
    decided = Registration.objects.filter(source=Registration.Source.DECIDED)
    assert decided.filter(registered_on__lt=today - timedelta(days=2)).exists()
    for registration in decided.select_related("application"):
        assert registration.registered_on == timezone.localdate(registration.application.decided_at)
    handed_over = Registration.objects.filter(source=Registration.Source.HANDED_OVER)
    assert all(r.commitment_at is None and r.application is None for r in handed_over)
    imported = Registration.objects.filter(source=Registration.Source.IMPORTED)
    assert imported.filter(status=Registration.Status.ENDED).exclude(ended_reason="").exists()
    assert all(r.registered_on < today and r.application is None for r in imported)
