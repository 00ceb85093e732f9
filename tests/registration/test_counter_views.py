"""The caseworker's pages: counter application, worklist, decision, person page, exports; access rules."""

import re
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from common.models import Notification
from registration import services
from registration.forms import RejectForm
from registration.models import Application, IdReveal, Registration, RejectionReason
from registration.selectors import worklist

from .factories import citizen_id, person_data, record_manual_check, submit

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NEW = reverse("registration:application_new")


def counter_post(number: str, **overrides) -> dict:
    data = {
        "id_type": "01",
        "id_number": number,
        "name": "刘一",
        "phone": "13900000002",
        "basis": "residence",
        "region": "410802",
        "commitment_accepted": "on",
    }
    data.update(overrides)
    return data


def test_it_takes_a_walk_in_application_in_two_steps(client, caseworker_jiefang, office_jiefang):
    client.force_login(caseworker_jiefang)
    number = citizen_id()
    step1 = client.post(NEW, {"step": "lookup", "id_type": "01", "id_number": number.lower()})
    assert step1.status_code == 200
    html = step1.content.decode()
    assert "第二步" in html and number in html
    assert 'type="file"' not in html  # nothing to upload (the five prohibitions)
    response = client.post(NEW, counter_post(number))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:application_detail", args=[application.code])
    assert (
        application.channel == Application.Channel.COUNTER and application.received_by == caseworker_jiefang
    )
    assert application.person.hukou_region_id == "410802"  # from the ID number's address code
    page = client.get(response["Location"]).content.decode()
    assert application.number in page and "打印告知承诺书" in page


def test_it_names_the_field_of_each_mistake_and_saves_nothing(client, caseworker_jiefang, office_jiefang):
    client.force_login(caseworker_jiefang)
    bad = citizen_id()[:17] + "Y"
    response = client.post(NEW, counter_post(bad, commitment_accepted="", name=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "姓名：" in html  # required name, labelled
    assert not Application.objects.exists()
    response = client.post(NEW, counter_post(bad))
    html = response.content.decode()
    assert "第18位应为数字或X" in html
    response = client.post(NEW, counter_post(citizen_id(), commitment_accepted=""))
    assert str(services.COMMITMENT_REQUIRED) in response.content.decode()
    assert not Application.objects.exists()


def test_it_refuses_a_duplicate_at_step_one_with_a_link_to_the_existing_record(
    client, caseworker_jiefang, office_jiefang
):
    client.force_login(caseworker_jiefang)
    data = person_data()
    existing = submit(user=caseworker_jiefang, person=data)
    response = client.post(NEW, {"step": "lookup", "id_type": "01", "id_number": data.id_number})
    html = response.content.decode()
    assert existing.number in html
    assert reverse("registration:application_detail", args=[existing.code]) in html
    assert "第二步" not in html


def test_it_lists_pending_applications_by_due_time_with_overdue_and_due_today_marked(
    client, caseworker_jiefang, office_jiefang, time_machine
):
    time_machine.move_to(datetime(2026, 11, 18, 10, 0, tzinfo=SH), tick=False)
    old = submit(user=caseworker_jiefang, person=person_data(name="甲"))  # due 11-23
    time_machine.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
    today = submit(user=caseworker_jiefang, person=person_data(name="乙"))  # due 11-25
    time_machine.move_to(datetime(2026, 11, 25, 9, 0, tzinfo=SH), tick=False)
    fresh = submit(user=caseworker_jiefang, person=person_data(name="丙"))  # due 11-30
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:worklist")).content.decode()
    assert html.index(old.number) < html.index(today.number) < html.index(fresh.number)
    assert '<tr class="overdue">' in html and '<tr class="due-today">' in html
    assert old.person.id_number not in html and old.person.masked_id_number in html


def test_it_registers_from_the_application_page(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    response = client.post(
        reverse("registration:application_register", args=[application.code]),
        {"note": "窗口办结"},
        follow=True,
    )
    registration = Registration.objects.get()
    assert registration.application == application
    html = response.content.decode()
    assert f"已办理失业登记，登记编号 {registration.number}" in html
    assert f'<span class="status status-registered">{Application.Status.REGISTERED.label}</span>' in html
    assert reverse("registration:application_register", args=[application.code]) not in html


def test_it_refuses_a_rejection_for_a_reason_off_the_list_and_says_why(
    client, caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    form = RejectForm({"reason": "missing_materials"})
    assert not form.is_valid()

    response = client.post(
        reverse("registration:application_reject", args=[application.code]),
        {"reason": "missing_materials"},
        follow=True,
    )

    html = response.content.decode()
    # The message names its field already ("不予登记原因：所选项目无效…"): shown once, not prefixed again.
    assert form.errors["reason"][0] == "不予登记原因：所选项目无效，请从列表中选择"
    assert f'<li class="msg msg-error">{form.errors["reason"][0]}</li>' in html
    assert f'<span class="status status-pending">{Application.Status.PENDING.label}</span>' in html
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
    assert not Notification.objects.exists()


def test_it_rejects_with_a_listed_reason_and_shows_it_as_the_decision(
    client, caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang)
    record_manual_check(application, caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    url = reverse("registration:application_reject", args=[application.code])

    response = client.post(url, {"reason": RejectionReason.EMPLOYED, "note": "比对发现在职"}, follow=True)

    html = response.content.decode()
    rejected = Application.Status.REJECTED.label
    assert f'<span class="status status-rejected">{rejected}</span>' in html
    assert f"<dt>办理结果</dt><dd>{rejected}：{RejectionReason.EMPLOYED.label} · " in html
    assert url not in html  # decided: no decision forms any more
    application.refresh_from_db()
    assert (application.status, application.rejection_reason, application.decision_note) == (
        Application.Status.REJECTED,
        RejectionReason.EMPLOYED,
        "比对发现在职",
    )


def test_it_keeps_other_regions_applications_out_of_reach(
    client, caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian
):
    application = submit(user=caseworker_wenxian, region="410825")
    client.force_login(caseworker_jiefang)
    assert client.get(reverse("registration:application_detail", args=[application.code])).status_code == 404
    assert (
        client.post(reverse("registration:application_register", args=[application.code])).status_code == 404
    )
    assert (
        client.get(reverse("registration:person_detail", args=[application.person.code])).status_code == 404
    )
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_it_sends_anonymous_users_to_login_and_refuses_the_wrong_role(client, ops_jiaozuo, office_jiefang):
    response = client.get(NEW)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(ops_jiaozuo)
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("registration:worklist")).status_code == 403


def test_it_answers_405_to_get_on_decisions(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    for name in ("application_register", "application_reject", "application_verify"):
        assert client.get(reverse(f"registration:{name}", args=[application.code])).status_code == 405


def test_it_masks_the_id_until_revealed_and_records_the_reveal(client, caseworker_jiefang, office_jiefang):
    person = submit(user=caseworker_jiefang).person
    client.force_login(caseworker_jiefang)
    url = reverse("registration:person_detail", args=[person.code])
    html = client.get(url).content.decode()
    assert person.id_number not in html and person.masked_id_number in html
    response = client.post(reverse("registration:person_reveal", args=[person.code]), follow=True)
    assert person.id_number in response.content.decode()
    assert IdReveal.objects.filter(person=person, user=caseworker_jiefang).count() == 1
    assert person.id_number not in client.get(url).content.decode()  # once, not for ever


def test_it_searches_people_in_scope_by_id_name_and_phone(client, caseworker_jiefang, office_jiefang):
    person = submit(user=caseworker_jiefang, person=person_data(name="欧阳娜娜", phone="13712345678")).person
    client.force_login(caseworker_jiefang)
    search = reverse("registration:person_search")
    for q in (person.id_number, "欧阳", "13712345678"):
        html = client.post(search, {"q": q}).content.decode()
        assert "欧阳娜娜" in html, q
        assert person.masked_id_number in html
        if q != person.id_number:  # the typed query itself is echoed in the search box
            assert person.id_number not in html
    assert "欧阳娜娜" not in client.post(search, {"q": "王"}).content.decode()


def test_it_shows_the_lifecycle_timeline_on_the_person_page(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    registration = services.application_register(application=application, user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[application.person.code])).content.decode()
    assert f"提交失业登记申请 {application.number}" in html
    assert f"登记失业 {registration.number}" in html
    assert "短信通知" in html


def test_it_opens_bundle_requests_and_exports_dibao_referrals(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    registration = services.application_register(application=application, user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    client.post(
        reverse("registration:bundle_open", args=[registration.code]), {"kind": "dibao", "note": "家庭困难"}
    )
    client.post(reverse("registration:bundle_open", args=[registration.code]), {"kind": "ui_benefit"})
    assert registration.bundle_requests.count() == 2
    response = client.get(reverse("registration:dibao_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("登记编号", "姓名", "证件号码")
    assert len(rows) == 2 and rows[1][0] == registration.number and rows[1][2] == application.person.id_number
    assert IdReveal.objects.filter(person=application.person).count() == 1


def test_it_prints_the_commitment_letter(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:commitment_letter", args=[application.code])).content.decode()
    assert "失业登记告知承诺书" in html and application.person.id_number in html
    assert "不需要提供终止或解除劳动关系证明" in html


def test_it_pages_a_long_worklist_and_counts_all_of_it(
    client, caseworker_jiefang, office_jiefang, monkeypatch
):
    from registration.views import counter

    monkeypatch.setattr(counter, "WORKLIST_PAGE_SIZE", 2)
    apps = [submit(user=caseworker_jiefang, person=person_data(name=f"人{i}")) for i in range(5)]
    client.force_login(caseworker_jiefang)
    first = client.get(reverse("registration:worklist")).content.decode()
    assert "共 5 件待办" in first and "第 1 / 3 页" in first
    last = client.get(reverse("registration:worklist"), {"page": 3}).content.decode()
    assert apps[-1].number in last and apps[0].number not in last
    assert client.get(reverse("registration:worklist"), {"page": "x"}).status_code == 200


def worklist_queries(client, user) -> int:
    """The number of queries for the worklist page, which must list every pending application ``user`` sees."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("registration:worklist"))
    html = response.content.decode()
    numbers = [application.number for application in worklist(user)]
    assert numbers and all(number in html for number in numbers)
    return len(queries)


@pytest.mark.parametrize("viewer", ["caseworker_jiefang", "supervisor_jiaozuo"])
def test_it_loads_the_worklist_in_as_many_queries_for_twenty_rows_as_for_one(
    client, request, caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian, viewer
):
    user = request.getfixturevalue(viewer)
    client.force_login(user)
    submit(user=caseworker_jiefang, person=person_data(name="人0"))
    one_row = worklist_queries(client, user)

    for i in range(1, 20):  # other channels, and for the supervisor another office too
        caseworker, region = (caseworker_wenxian, "410825") if i % 3 == 0 else (caseworker_jiefang, "410802")
        channel = Application.Channel.ONLINE if i % 2 else Application.Channel.COUNTER
        submit(user=caseworker, region=region, channel=channel, person=person_data(name=f"人{i}"))
    many_rows = worklist_queries(client, user)

    assert len(worklist(user)) > 10
    assert many_rows == one_row
    assert one_row <= 13  # 12, and the header's count of unacknowledged alerts (deadlines) on every page


def test_it_shows_a_service_error_keyed_to_a_field_the_counter_form_lacks(
    client, caseworker_jiefang, office_jiefang, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"import_batch": "批次不可用", "name": "姓名与证件不符"})

    monkeypatch.setattr(services, "application_submit", refuse)
    client.force_login(caseworker_jiefang)

    response = client.post(NEW, counter_post(citizen_id()))

    assert response.status_code == 200
    html = response.content.decode()
    assert "批次不可用" in html  # on top of the form
    assert 'id="id_name_error"' in html and "姓名与证件不符" in html  # next to its field
    assert re.search(r'name="name"[^>]*autofocus', html)
    assert not Application.objects.exists()


def test_it_exports_the_referral_date_in_beijing_time_and_names_as_plain_text(
    client, caseworker_jiefang, office_jiefang, time_machine
):
    # 00:30 on 24 November in Beijing is still 23 November in UTC.
    time_machine.move_to(datetime(2026, 11, 24, 0, 30, tzinfo=SH))
    application = submit(user=caseworker_jiefang, person=person_data(name='=HYPERLINK("http://x",A1)'))
    registration = services.application_register(application=application, user=caseworker_jiefang)
    services.bundle_request_open(registration=registration, user=caseworker_jiefang, kind="dibao", note="")
    client.force_login(caseworker_jiefang)

    response = client.get(reverse("registration:dibao_export"))

    sheet = load_workbook(BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["转介日期"].value.date() == date(2026, 11, 24)
    assert row["姓名"].value == '=HYPERLINK("http://x",A1)' and row["姓名"].data_type == "s"
    assert response["Content-Disposition"] == 'attachment; filename="dibao-referrals-20261124.xlsx"'
