"""A person may apply anywhere (notice 一: 户籍地、常住地、就业地、参保地), but an office may not rewrite or take over a
person recorded by another one: the recorded name must be given, the record is kept, and the person stays
visible to every office that holds one of their applications or registrations."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from offices.models import Office
from offices.roles import Role
from registration import selectors, services
from registration.imports import graduates_import
from registration.models import Application, Person, RejectionReason
from registration.selectors import person_search, worklist
from tests.conftest import make_staff

from .factories import citizen_id, person_data, submit
from .test_imports import GRADUATE_HEADERS, xlsx_file

pytestmark = pytest.mark.django_db
NEW = reverse("registration:application_new")

RECORDED = {"name": "张三", "phone": "13800000001", "address": "解放区民主路1号", "education": "20"}


@pytest.fixture
def jiefang_person(caseworker_jiefang, office_jiefang, office_wenxian) -> Person:
    """A person recorded at the 解放区 counter whose application was decided, so they may apply again anywhere."""
    data = person_data(**RECORDED)
    first = submit(user=caseworker_jiefang, person=data)
    services.application_reject(
        application=first, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    return first.person


def at_wenxian(caseworker_wenxian, person: Person, **overrides) -> Application:
    """An application of ``person`` taken at the 温县 counter, for 温县."""
    fields = {"id_number": person.id_number, "name": person.name, **overrides}
    return submit(user=caseworker_wenxian, region="410825", person=person_data(**fields))


def recorded(person: Person) -> dict:
    person.refresh_from_db()
    return {
        "name": person.name,
        "phone": person.phone,
        "address": person.address,
        "education": person.education,
        "region": person.region_id,
    }


# ---- the service ---------------------------------------------------------------------------------------


def test_it_does_not_let_a_caseworker_of_another_county_rewrite_a_person(caseworker_wenxian, jiefang_person):
    application = at_wenxian(
        caseworker_wenxian, jiefang_person, phone="13999999999", address="温县某路2号", education="70"
    )

    assert application.person == jiefang_person and application.region_id == "410825"
    assert recorded(jiefang_person) == {**RECORDED, "region": "410802"}


def test_it_refuses_a_counter_application_with_a_name_other_than_the_recorded_one_across_counties(
    caseworker_wenxian, jiefang_person
):
    with pytest.raises(ValidationError) as exc:
        at_wenxian(caseworker_wenxian, jiefang_person, name="李四")

    assert exc.value.message_dict["name"] == [services.NAME_MISMATCH_RECORDED_ELSEWHERE]
    assert recorded(jiefang_person) == {**RECORDED, "region": "410802"}
    assert not jiefang_person.applications.filter(region_id="410825").exists()


def test_it_keeps_the_person_visible_to_the_office_that_holds_their_registration(
    caseworker_jiefang, caseworker_wenxian, jiefang_person
):
    # 温县 takes and registers a new application: 温县 now manages the person, 解放区 keeps its history.
    services.application_register(
        application=at_wenxian(caseworker_wenxian, jiefang_person), user=caseworker_wenxian
    )

    for user in (caseworker_jiefang, caseworker_wenxian):
        assert list(person_search(user, jiefang_person.id_number)) == [jiefang_person], user
        assert list(person_search(user, "张")) == [jiefang_person], user
        assert selectors.person_in_scope_or_404(user, code=jiefang_person.code) == jiefang_person


def test_the_office_taking_the_new_application_sees_the_person_and_the_application(
    caseworker_wenxian, jiefang_person
):
    application = at_wenxian(caseworker_wenxian, jiefang_person)

    assert list(worklist(caseworker_wenxian)) == [application]
    assert list(person_search(caseworker_wenxian, jiefang_person.id_number)) == [jiefang_person]
    assert list(selectors.people_in_scope(caseworker_wenxian)) == [jiefang_person]
    assert selectors.person_visible_to(caseworker_wenxian, jiefang_person)
    assert recorded(jiefang_person)["region"] == "410802"  # still managed by 解放区 until 温县 registers them


def test_it_shows_no_one_to_an_office_without_any_of_their_applications(
    caseworker_wenxian, supervisor_jiaozuo, jiefang_person
):
    assert not selectors.people_in_scope(caseworker_wenxian).exists()
    assert not selectors.person_visible_to(caseworker_wenxian, jiefang_person)
    assert list(person_search(caseworker_wenxian, jiefang_person.id_number)) == []
    assert list(selectors.people_in_scope(supervisor_jiaozuo)) == [
        jiefang_person
    ]  # the city sees its counties


def test_the_office_that_registers_a_person_takes_over_their_record(
    caseworker_jiefang, caseworker_wenxian, jiefang_person
):
    registration = services.application_register(
        application=at_wenxian(caseworker_wenxian, jiefang_person), user=caseworker_wenxian
    )
    assert recorded(jiefang_person)["region"] == "410825"
    services.registration_end(registration=registration, ended_on=date.today())

    at_wenxian(caseworker_wenxian, jiefang_person, phone="13999999999")  # 温县 holds the person now

    assert recorded(jiefang_person)["phone"] == "13999999999"


def test_the_office_that_holds_the_person_updates_what_the_application_says(
    caseworker_jiefang, jiefang_person
):
    submit(
        user=caseworker_jiefang,
        person=person_data(id_number=jiefang_person.id_number, name="张叁", phone="13911112222"),
    )

    assert recorded(jiefang_person) == {
        **RECORDED,
        "name": "张叁",
        "phone": "13911112222",
        "region": "410802",
    }


def test_a_city_office_moves_a_person_between_its_counties(office_jiaozuo, jiefang_person):
    city_caseworker = make_staff("cw_city", office_jiaozuo, Role.CASEWORKER)

    submit(
        user=city_caseworker,
        region="410825",
        person=person_data(id_number=jiefang_person.id_number, name="张三", phone="13922223333"),
    )

    assert recorded(jiefang_person) == {**RECORDED, "phone": "13922223333", "region": "410825"}


def test_it_keeps_an_online_applicant_from_moving_a_person_to_another_county(
    caseworker_wenxian, jiefang_person
):
    """Otherwise knowing a name and a number would hand the record to an office that could then rewrite it."""
    online = submit(
        channel=Application.Channel.ONLINE,
        region="410825",
        person=person_data(id_number=jiefang_person.id_number, name="张三", phone="13999999999"),
    )

    assert recorded(jiefang_person) == {**RECORDED, "region": "410802"}
    assert list(worklist(caseworker_wenxian)) == [online]
    assert list(person_search(caseworker_wenxian, jiefang_person.id_number)) == [jiefang_person]


def test_an_import_by_ops_of_another_city_cannot_rewrite_a_person(jiefang_person, caseworker_jiefang):
    zhengzhou = Office.objects.create(code="T410100", name="郑州市公共就业服务中心", region_id="410100")
    ops_zhengzhou = make_staff("ops_zz", zhengzhou, Role.OPS)
    rows = [
        GRADUATE_HEADERS,
        [jiefang_person.id_number, "李四", "郑州大学", "2025-06-30", "13999999999", "", ""],
    ]

    batch = graduates_import(file=xlsx_file(rows), user=ops_zhengzhou)

    assert (batch.created_rows, batch.error_rows) == (0, 1)
    assert batch.errors[0]["field"] == "姓名"
    rows[1][1] = "张三"
    batch = graduates_import(file=xlsx_file(rows, "名单2.xlsx"), user=ops_zhengzhou)
    assert batch.created_rows == 1
    # Handed over to 郑州: the registering office now serves them (as a decision there would), but nothing
    # recorded about them was rewritten; 解放区 still sees them through its application.
    assert recorded(jiefang_person) == {**RECORDED, "region": "410100"}
    assert jiefang_person.registrations.get(import_batch=batch).region_id == "410100"
    assert list(person_search(caseworker_jiefang, jiefang_person.id_number)) == [jiefang_person]


# ---- the pages -----------------------------------------------------------------------------------------


def counter_post(person: Person, **overrides) -> dict:
    data = {
        "id_type": "01",
        "id_number": person.id_number,
        "name": person.name,
        "phone": "13999999999",
        "address": "温县某路2号",
        "basis": "residence",
        "region": "410825",
        "commitment_accepted": "on",
    }
    data.update(overrides)
    return data


def test_the_counter_shows_the_name_error_when_another_county_types_another_name(
    client, caseworker_wenxian, jiefang_person
):
    client.force_login(caseworker_wenxian)

    response = client.post(NEW, counter_post(jiefang_person, name="李四"))

    assert response.status_code == 200
    html = response.content.decode()
    assert str(services.NAME_MISMATCH_RECORDED_ELSEWHERE) in html
    assert not Application.objects.filter(region_id="410825").exists()


def test_the_counter_asks_another_county_for_the_recorded_name_without_showing_the_record(
    client, caseworker_wenxian, jiefang_person
):
    client.force_login(caseworker_wenxian)

    html = client.post(
        NEW, {"step": "lookup", "id_type": "01", "id_number": jiefang_person.id_number}
    ).content.decode()

    assert "第二步" in html
    assert "已在其他地区登记" in html and "请核对姓名" in html
    for value in (RECORDED["name"], RECORDED["phone"], RECORDED["address"]):
        assert value not in html


def test_the_counter_prefills_a_person_the_office_holds(client, caseworker_jiefang, jiefang_person):
    client.force_login(caseworker_jiefang)

    html = client.post(
        NEW, {"step": "lookup", "id_type": "01", "id_number": jiefang_person.id_number}
    ).content.decode()

    assert 'value="张三"' in html and 'value="13800000001"' in html
    assert "已在其他地区登记" not in html


def test_the_first_county_still_shows_the_person_page_after_another_county_took_an_application(
    client, caseworker_jiefang, caseworker_wenxian, jiefang_person
):
    client.force_login(caseworker_wenxian)
    response = client.post(NEW, counter_post(jiefang_person))
    assert response.status_code == 302
    application = Application.objects.get(region_id="410825")

    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[jiefang_person.code])).content.decode()

    assert "张三" in html and "13800000001" in html
    assert f"提交失业登记申请 {application.number}" in html


def test_the_office_taking_the_new_application_sees_the_person_page(
    client, caseworker_wenxian, jiefang_person
):
    application = at_wenxian(caseworker_wenxian, jiefang_person)
    client.force_login(caseworker_wenxian)

    response = client.get(reverse("registration:person_detail", args=[jiefang_person.code]))

    assert response.status_code == 200
    assert f"提交失业登记申请 {application.number}" in response.content.decode()


def test_it_still_finds_a_person_of_another_county_by_number_at_step_one_for_duplicates(
    client, caseworker_jiefang, caseworker_wenxian, jiefang_person
):
    pending = submit(
        user=caseworker_jiefang, person=person_data(id_number=jiefang_person.id_number, name="张三")
    )
    client.force_login(caseworker_wenxian)

    html = client.post(
        NEW, {"step": "lookup", "id_type": "01", "id_number": jiefang_person.id_number}
    ).content.decode()

    assert pending.number in html and "第二步" not in html


def test_it_accepts_an_id_number_of_a_new_person_from_any_county(caseworker_wenxian, office_wenxian):
    application = submit(
        user=caseworker_wenxian, region="410825", person=person_data(id_number=citizen_id(region="410802"))
    )
    assert application.person.region_id == "410825"


def test_the_migration_shows_people_again_where_earlier_code_moved_them_away(
    caseworker_jiefang, caseworker_wenxian, jiefang_person
):
    """Before this change an application elsewhere moved the person there: their first office lost them."""
    import importlib
    from pathlib import Path

    from django.apps import apps

    folder = Path(importlib.import_module("registration.migrations").__file__).parent
    (module,) = [f.stem for f in folder.glob("*_person_identity_and_visibility.py")]
    migration = importlib.import_module(f"registration.migrations.{module}")
    at_wenxian(caseworker_wenxian, jiefang_person)
    Person.objects.filter(pk=jiefang_person.pk).update(region_id="410825", applied_elsewhere=False)
    assert list(person_search(caseworker_jiefang, jiefang_person.id_number)) == []

    migration.mark_applied_elsewhere(apps, None)

    assert list(person_search(caseworker_jiefang, jiefang_person.id_number)) == [jiefang_person]
    assert list(person_search(caseworker_wenxian, jiefang_person.id_number)) == [jiefang_person]
