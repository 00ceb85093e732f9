"""Append-only history of changes with who and when, proven on offices and staff (later stages reuse it)."""

import re

import pytest
from celery import shared_task
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from common.history import history_context, history_for
from offices.models import Office

pytestmark = pytest.mark.django_db


def test_it_records_an_insert_and_an_update_with_actor_and_source(office_jiefang, supervisor_jiaozuo):
    with history_context(actor=supervisor_jiaozuo, source="test:rename"):
        office_jiefang.name = "解放区就业服务中心"
        office_jiefang.save()
    events = history_for(office_jiefang)
    assert [e["label"] for e in events] == ["update", "insert"]
    update = events[0]
    assert update["user_id"] == supervisor_jiaozuo.pk
    assert update["source"] == "test:rename"
    assert update["at"] is not None
    assert update["diff"]["name"] == ["解放区公共就业服务中心", "解放区就业服务中心"]


def test_it_records_bulk_updates_row_by_row(office_jiefang, office_wenxian):
    with history_context(actor=None, source="test:bulk"):
        Office.objects.filter(pk__in=[office_jiefang.pk, office_wenxian.pk]).update(phone="0391-1234567")
    for office in (office_jiefang, office_wenxian):
        latest = history_for(office)[0]
        assert latest["label"] == "update"
        assert latest["diff"]["phone"] == ["", "0391-1234567"]
        assert latest["source"] == "test:bulk"


def test_it_records_deletes(db):
    office = Office.objects.create(code="TMP1", name="临时机构", region_id="410802")
    pk = office.pk
    office.delete()
    labels = [e.pgh_label for e in Office.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id")]
    assert labels == ["insert", "delete"]


def test_it_does_not_record_an_update_that_changes_nothing(office_jiefang):
    office_jiefang.save()
    assert [e["label"] for e in history_for(office_jiefang)] == ["insert"]


def test_it_refuses_to_edit_or_delete_history(office_jiefang):
    event_table = Office.pgh_event_model._meta.db_table
    for sql in (f"UPDATE {event_table} SET name = 'x'", f"DELETE FROM {event_table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert len(history_for(office_jiefang)) == 1


def test_it_keeps_staff_changes_without_the_password(caseworker_jiefang):
    caseworker_jiefang.set_password("another-pass-987")
    caseworker_jiefang.save()
    assert [e["label"] for e in history_for(caseworker_jiefang)] == ["insert"]
    caseworker_jiefang.handler_name = "李四"
    caseworker_jiefang.save()
    latest = history_for(caseworker_jiefang)[0]
    assert latest["diff"] == {"handler_name": ["李经办", "李四"]}
    assert "password" not in latest["data"]


def test_it_records_the_signed_in_user_for_changes_made_through_the_web(client, office_jiefang, db):
    from offices.models import User

    admin = User.objects.create_superuser(username="root", password="x-pass-12345", handler_name="管理员")
    client.force_login(admin)
    url = reverse("admin:offices_office_change", args=[office_jiefang.pk])
    response = client.post(
        url,
        {
            "code": office_jiefang.code,
            "name": "解放区人社局就业中心",
            "region": "410802",
            "phone": "",
            "address": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = history_for(office_jiefang)[0]
    assert latest["label"] == "update"
    assert latest["user_id"] == admin.pk
    assert latest["source"] == url


def test_it_shows_the_history_in_the_admin(client, office_jiefang, db):
    from offices.models import User

    admin = User.objects.create_superuser(username="root", password="x-pass-12345", handler_name="管理员")
    with history_context(actor=admin, source="test:rename"):
        office_jiefang.name = "解放区人社局就业中心"
        office_jiefang.save()
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(reverse("admin:pghistory_middlewareevents_changelist"))
    assert response.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
    (renamed,) = [row for row in rows if "解放区人社局就业中心" in row]  # in the change's diff
    assert '<td class="field-pgh_obj_model">offices.Office</td>' in renamed
    assert f'<td class="field-pgh_obj_id">{office_jiefang.pk}</td>' in renamed
    assert f'<td class="field-user nowrap">{admin}</td>' in renamed


@shared_task(name="tests.rename_office")
def rename_office(pk: int, name: str) -> None:
    Office.objects.filter(pk=pk).update(name=name)


@pytest.mark.django_db
def test_a_celery_tasks_writes_carry_the_task_as_their_source(office_jiefang):
    rename_office.apply(args=[office_jiefang.pk, "解放区就业服务中心（任务改名）"])  # as the worker runs it
    (latest, *_rest) = history_for(office_jiefang)
    assert latest["label"] == "update" and latest["source"] == "task:tests.rename_office"


@pytest.mark.django_db
def test_the_history_pages_mask_id_numbers_birth_dates_and_phones(client, caseworker_jiefang, office_jiefang):
    from offices.models import User
    from registration.models import Person
    from tests.registration.factories import person_data, submit

    data = person_data(phone="13812345678")
    with history_context(actor=caseworker_jiefang, source="test:counter"):
        submit(user=caseworker_jiefang, person=data)
    person = Person.objects.get(id_number=data.id_number)
    with history_context(actor=caseworker_jiefang, source="test:edit"):
        Person.objects.filter(pk=person.pk).update(phone="13900001111", address="解放区新地址1号")
    admin = User.objects.create_superuser(username="root", password="x-pass-12345", handler_name="管理员")
    client.force_login(admin)
    listing = client.get(reverse("admin:pghistory_middlewareevents_changelist")).content.decode()
    assert "解放区新地址1号" in listing  # the person's change is listed...
    birth = person.birth_date.isoformat()
    for secret in (person.id_number, person.id_number[6:14], birth, "13812345678", "13900001111"):
        assert secret not in listing  # ...without anything that completes the number
    links = re.findall(r'href="(/admin/pghistory/middlewareevents/[^"]+/change/[^"]*)"', listing)
    assert links
    for link in links:
        detail = client.get(link.replace("&amp;", "&")).content.decode()
        assert all(secret not in detail for secret in (person.id_number, birth, "13812345678")), link
