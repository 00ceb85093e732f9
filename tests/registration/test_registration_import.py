"""Existing registrations (既有失业登记, Henan 三; issue #8): an office adopting the system imports the registrations
it made before, with their original dates, active or ended; a per-row report; importing twice creates nothing
twice; the person's record is protected as for every import."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from common.xlsx import XLSX_CONTENT_TYPE
from offices.models import Office
from offices.roles import Role
from registration import services
from registration.imports import ImportFileError, columns_for, registrations_import
from registration.imports import registrations as registration_flow
from registration.imports.people import REPEATED_ROW_OTHER_NAME, REPEATED_ROW_SAME_DATE
from registration.models import Application, ImportBatch, Person, Registration
from registration.selectors import intake_timeline, person_search
from registration.tasks import process_import_batch
from tests.conftest import make_staff
from workdays.calendar import deadline_at

from .factories import citizen_id, person_data, submit
from .test_imports import csv_file, xlsx_file

pytestmark = pytest.mark.django_db

HEADERS = [
    "身份证号",
    "姓名",
    "登记日期",
    "登记地行政区划代码",
    "登记渠道",
    "人员类别",
    "状态",
    "注销日期",
    "注销原因代码",
    "联系电话",
]


def make_id(seq: int) -> str:
    """The citizen ID of person ``seq`` of these files (born 1985-03-02 in 解放区)."""
    return citizen_id(date(1985, 3, 2), seq=seq)


def row(seq: int, **values) -> list:
    fields = {
        "身份证号": make_id(seq),
        "姓名": f"登记人{seq}",
        "登记日期": "2026-04-15",
        "登记地行政区划代码": "410802",
        "登记渠道": "窗口",
        "人员类别": "",
        "状态": "有效",
        "注销日期": "",
        "注销原因代码": "",
        "联系电话": "",
        **values,
    }
    return [fields[h] for h in HEADERS]


def import_rows(user, *rows: list, headers: list[str] = HEADERS, name: str = "既有登记.csv") -> ImportBatch:
    return registrations_import(file=csv_file([headers, *rows], name), user=user)


@pytest.fixture
def ops(ops_jiaozuo, office_jiefang, office_wenxian):
    """The city's ops user, with the county offices the registrations are held by."""
    return ops_jiaozuo


# ---- what is recorded -----------------------------------------------------------------------------------


def test_it_imports_an_active_registration_with_its_original_date(ops):
    batch = import_rows(ops, row(1, 联系电话="13912345678"))

    assert (batch.kind, batch.created_rows, batch.skipped_rows, batch.error_rows) == (
        "registrations",
        1,
        0,
        0,
    )
    registration = Registration.objects.select_related("person").get()
    assert registration.source == Registration.Source.IMPORTED
    assert registration.registered_on == date(2026, 4, 15)  # the original date, not today
    assert registration.first_contact_due_at == deadline_at(date(2026, 4, 15), 5)
    assert (registration.region_id, registration.office.region_id) == ("410802", "410802")
    assert registration.channel == Application.Channel.COUNTER
    assert registration.status == Registration.Status.ACTIVE and registration.ended_on is None
    assert (registration.recorded_by, registration.import_batch) == (ops, batch)
    # Nothing is claimed that did not happen here: no application, no deciding caseworker, no commitment.
    assert registration.application is None and registration.registered_by is None
    assert registration.commitment_at is None and not Application.objects.exists()
    assert (registration.person.name, registration.person.phone) == ("登记人1", "13912345678")
    assert registration.person.region_id == "410802"


def test_it_imports_an_ended_registration_with_its_exit_date_and_ajc00a_reason(ops):
    batch = import_rows(
        ops, row(1, 状态="已注销", 注销日期="2026-06-30", 注销原因代码="11", 登记渠道="全国平台")
    )

    assert batch.created_rows == 1
    registration = Registration.objects.get()
    assert (registration.status, registration.ended_on, registration.ended_reason) == (
        Registration.Status.ENDED,
        date(2026, 6, 30),
        "11",
    )
    assert registration.channel == Application.Channel.NATIONAL


def test_it_reads_the_categories_served_as_registered_unemployed(ops):
    import_rows(
        ops,
        row(1, 人员类别="毕业生，失业补助金"),
        row(2, 人员类别="一次性生活补助"),
        row(3, 人员类别="临时生活补助、失业补助金", 登记渠道=""),
        row(4, 登记渠道="教育部门移交", 人员类别="毕业生"),
    )

    by_person = {r.person.id_number: r for r in Registration.objects.select_related("person")}
    first, second, third, fourth = (by_person[make_id(i)] for i in (1, 2, 3, 4))
    assert (first.is_graduate, first.draws_unemployment_subsidy, first.migrant_allowance) == (True, True, "")
    assert second.migrant_allowance == Application.MigrantAllowance.ONE_TIME and not second.is_graduate
    assert (
        third.migrant_allowance == Application.MigrantAllowance.TEMPORARY and third.draws_unemployment_subsidy
    )
    assert third.channel == ""
    assert fourth.channel == Application.Channel.EDUCATION and fourth.is_graduate
    assert fourth.source == Registration.Source.IMPORTED and fourth.handed_over_on is None
    assert first.categories == ["离校未就业高校毕业生", "领取失业补助金人员"]


def test_it_defaults_the_region_to_the_importing_office_and_refuses_one_outside_its_scope(
    ops, office_jiaozuo
):
    batch = import_rows(ops, row(1, 登记地行政区划代码=""), row(2, 登记地行政区划代码="410102"))

    assert Registration.objects.get().region_id == "410800"
    assert batch.errors == [{"row": 3, "field": "登记地行政区划代码", "message": "该事项不在您的管辖区划内"}]


def test_it_imports_a_registration_of_another_document_with_its_sex_and_birth_date(ops):
    headers = ["证件类型", "证件号码", "姓名", "性别", "出生日期", "登记日期", "状态"]
    batch = import_rows(
        ops, ["08", "e1234567", "JohnSmith", "男", "1980-01-02", "2026-05-06", "有效"], headers=headers
    )

    assert (batch.created_rows, batch.errors) == (1, [])
    person = Person.objects.get()
    assert (person.id_type, person.id_number, person.sex, person.birth_date) == (
        "08",
        "E1234567",
        "1",
        date(1980, 1, 2),
    )
    assert Registration.objects.get().region_id == "410800"  # no region column: the office's


# ---- the per-row report ----------------------------------------------------------------------------------


def test_it_reports_each_bad_row_with_its_column_and_keeps_the_good_rows(ops):
    tomorrow = timezone.localdate() + timedelta(days=1)
    batch = import_rows(
        ops,
        row(1),  # row 2: good
        row(2, 登记日期=tomorrow.isoformat()),  # row 3: in the future
        row(3, 状态="已注销", 注销日期="2026-04-01", 注销原因代码="11"),  # row 4: exit before registration
        row(4, 状态="已注销"),  # row 5: no exit date, no reason
        row(5, 状态="已注销", 注销日期="2026-05-01", 注销原因代码="77"),  # row 6: not an AJC00A code
        row(6, 注销日期="2026-05-01"),  # row 7: active with an exit date
        row(7, 状态="暂停"),  # row 8: unknown status
        row(8, 人员类别="低保户"),  # row 9: unknown category
        row(9, 登记渠道="电话"),  # row 10: unknown channel
        row(10, 登记日期=""),  # row 11: no date
        row(11, 人员类别="一次性生活补助、临时生活补助"),  # row 12: two allowances
        [citizen_id(date(2012, 1, 1), seq=1)] + row(12)[1:],  # row 13: 14 years old on the registration date
    )

    assert (batch.created_rows, batch.error_rows) == (1, 11)
    assert {(e["row"], e["field"]) for e in batch.errors} == {
        (3, "登记日期"),
        (4, "注销日期"),
        (5, "注销日期"),
        (5, "注销原因代码"),
        (6, "注销原因代码"),
        (7, "状态"),
        (8, "状态"),
        (9, "人员类别"),
        (10, "登记渠道"),
        (11, "登记日期"),
        (12, "人员类别"),
        (13, "登记日期"),
    }
    messages = {(e["row"], e["field"]): e["message"] for e in batch.errors}
    assert messages[(3, "登记日期")] == "登记日期不能晚于今天"
    assert messages[(4, "注销日期")] == "注销日期不能早于登记日期"
    assert "AJC00A" in messages[(6, "注销原因代码")]
    assert "未满16周岁" in messages[(13, "登记日期")]
    assert Registration.objects.get().person.id_number == make_id(1)
    assert Person.objects.count() == 1  # a bad row saves nothing of itself


def test_it_is_idempotent_when_the_same_file_is_imported_twice(ops, monkeypatch):
    monkeypatch.setattr(registration_flow, "CHUNK_ROWS", 2)
    rows = [row(1), row(2, 状态="已注销", 注销日期="2026-05-01", 注销原因代码="12"), row(3)]
    import_rows(ops, *rows)
    count = Registration.objects.count()

    again = import_rows(ops, *rows, name="again.csv")

    assert (again.created_rows, again.skipped_rows, again.error_rows) == (0, 3, 0)
    assert Registration.objects.count() == count == 3
    numbers = dict(Registration.objects.values_list("person__id_number", "number"))
    assert again.skips == [
        {"row": 2, "field": "", "message": f"已有有效的失业登记 {numbers[make_id(1)]}"},
        {"row": 3, "field": "", "message": f"该登记已在系统中（{numbers[make_id(2)]}），未重复新增"},
        {"row": 4, "field": "", "message": f"已有有效的失业登记 {numbers[make_id(3)]}"},
    ]


def test_it_skips_an_active_registration_of_someone_with_an_active_registration_or_a_pending_application(
    ops, caseworker_jiefang
):
    registered = services.application_register(
        application=submit(user=caseworker_jiefang, person=person_data(id_number=make_id(1), name="登记人1")),
        user=caseworker_jiefang,
    )
    pending = submit(user=caseworker_jiefang, person=person_data(id_number=make_id(2), name="登记人2"))

    batch = import_rows(
        ops,
        row(1),
        row(2),
        row(1, 登记日期="2025-01-01", 状态="已注销", 注销日期="2025-12-31", 注销原因代码="11"),
    )

    assert (batch.created_rows, batch.skipped_rows) == (1, 2)  # an ended one is history beside them
    assert [s["message"] for s in batch.skips] == [
        f"已有有效的失业登记 {registered.number}",
        f"已有待办申请 {pending.number}，请在申请中办理",
    ]
    assert Registration.objects.get(source=Registration.Source.IMPORTED).status == Registration.Status.ENDED
    pending.refresh_from_db()
    assert pending.status == Application.Status.PENDING


def test_it_reports_two_rows_of_one_person_with_different_names_and_skips_a_repeated_row(ops):
    batch = import_rows(
        ops,
        row(1, 状态="已注销", 注销日期="2025-06-30", 注销原因代码="11", 登记日期="2025-01-10"),  # row 2
        row(1),  # row 3: another registration of the same person: imported
        row(1),  # row 4: the same one again
        row(1, 姓名="王五", 登记日期="2026-02-02"),  # row 5: the number with another name
    )

    assert (batch.created_rows, batch.skipped_rows, batch.error_rows) == (2, 1, 1)
    assert batch.skips == [
        {"row": 4, "field": "身份证号", "message": str(REPEATED_ROW_SAME_DATE % {"row": 3})}
    ]
    assert batch.errors == [
        {
            "row": 5,
            "field": "姓名",
            "message": str(REPEATED_ROW_OTHER_NAME % {"row": 2, "first": "登记人1", "name": "王五"}),
        }
    ]


def test_it_keeps_a_person_recorded_elsewhere_as_recorded(office_jiefang, caseworker_jiefang):
    recorded = submit(
        user=caseworker_jiefang,
        person=person_data(id_number=make_id(1), name="登记人1", phone="13800000001"),
    )
    services.application_withdraw(application=recorded, user=caseworker_jiefang, reason="本人要求")
    zhengzhou = Office.objects.create(code="T410100", name="郑州市公共就业服务中心", region_id="410100")
    ops_zhengzhou = make_staff("ops_zz", zhengzhou, Role.OPS)

    batch = import_rows(
        ops_zhengzhou,
        row(1, 姓名="李四", 登记地行政区划代码="410100"),
        row(1, 登记地行政区划代码="410100", 登记日期="2026-05-05", 联系电话="13999999999"),
    )

    assert batch.errors[0]["row"] == 2 and batch.errors[0]["field"] == "姓名"
    person = Person.objects.get()
    assert (person.name, person.phone) == ("登记人1", "13800000001")  # nothing rewritten by another city


def test_a_registration_date_before_the_calendar_is_that_rows_problem_and_a_gap_after_today_refuses_the_file(
    ops,
):
    batch = import_rows(ops, row(1, 登记日期="2003-12-20"), row(2))
    assert batch.created_rows == 1
    assert batch.errors[0]["row"] == 2 and "工作日历" in batch.errors[0]["message"]

    with time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        with pytest.raises(ImportFileError, match="工作日历"):
            import_rows(ops, row(3, 登记日期="2026-12-28"), name="late.csv")
    assert not Registration.objects.filter(person__id_number=make_id(3)).exists()


def test_the_timeline_and_the_person_page_show_an_imported_registration_as_imported(
    client, ops, caseworker_jiefang
):
    import_rows(ops, row(1, 状态="已注销", 注销日期="2026-06-30", 注销原因代码="11"))
    registration = Registration.objects.select_related("person").get()

    titles = [e.title for e in sorted(intake_timeline(registration.person), key=lambda e: e.at)]
    assert titles == [
        f"导入的历史登记 {registration.number}（登记日期 2026-04-15）",
        "注销（导入的历史记录）：被各类用人单位录用或招聘",
    ]
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[registration.person.code])).content.decode()
    assert "导入的既有登记" in html and "2026-04-15" in html and "已注销" in html
    assert "记录告知承诺（本人已签署）" not in html  # an ended registration takes no commitment


# ---- the pages -------------------------------------------------------------------------------------------


def test_ops_upload_existing_registrations_and_a_job_imports_them(client, ops):
    client.force_login(ops)
    html = client.get(reverse("registration:import_registrations")).content.decode()
    assert 'enctype="multipart/form-data"' in html and "registrations.xlsx" in html

    response = client.post(
        reverse("registration:import_registrations"),
        {"file": xlsx_file([HEADERS, row(1, 登记日期=date(2026, 4, 15))], "既有登记.xlsx")},
        follow=True,
    )

    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("registration:import_detail", args=[batch.pk])
    assert "正在后台逐行导入既有失业登记" in response.content.decode()
    assert batch.status == ImportBatch.Status.QUEUED and not Registration.objects.exists()
    process_import_batch(batch.pk)
    assert Registration.objects.get().registered_on == date(2026, 4, 15)


def test_the_registration_import_answers_anonymous_wrong_role_and_wrong_region(
    client, ops, caseworker_jiefang, supervisor_jiaozuo
):
    url = reverse("registration:import_registrations")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (caseworker_jiefang, supervisor_jiaozuo):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": csv_file([HEADERS, row(1)])}).status_code == 403
    assert client.put(url).status_code == 403
    zhengzhou = Office.objects.create(code="T410100", name="郑州市公共就业服务中心", region_id="410100")
    theirs = import_rows(make_staff("ops_zz", zhengzhou, Role.OPS), row(1, 登记地行政区划代码="410100"))
    client.force_login(ops)
    assert client.get(reverse("registration:import_detail", args=[theirs.pk])).status_code == 404
    assert client.put(url).status_code == 405


def test_it_offers_a_template_that_imports_when_filled_in(client, ops):
    client.force_login(ops)
    response = client.get(reverse("registration:import_template", args=["registrations"]))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in columns_for("registrations")]
    values = {"身份证号": make_id(1), "姓名": "登记人1", "登记日期": date(2026, 3, 31), "状态": "有效"}
    sheet.append([values.get(c.header) for c in columns_for("registrations")])
    buffer = io.BytesIO()
    workbook.save(buffer)

    batch = registrations_import(file=SimpleUploadedFile("模板.xlsx", buffer.getvalue()), user=ops)

    assert (batch.created_rows, batch.errors) == (1, [])


def test_an_imported_ended_registration_leaves_the_person_managed_where_they_are(ops, caseworker_jiefang):
    active = services.application_register(
        application=submit(user=caseworker_jiefang, person=person_data(id_number=make_id(1), name="登记人1")),
        user=caseworker_jiefang,
    )

    batch = import_rows(
        ops,
        row(
            1,
            登记地行政区划代码="410825",
            登记日期="2025-01-10",
            状态="已注销",
            注销日期="2025-03-01",
            注销原因代码="11",
        ),
    )

    assert batch.created_rows == 1
    person = Person.objects.get()
    assert person.region_id == "410802" and person.registrations.get(status="active") == active
    history = person.registrations.get(source=Registration.Source.IMPORTED)
    assert history.region_id == "410825"
    assert list(person_search(caseworker_wenxian_of(ops), make_id(1))) == [person]  # seen where it was held


def caseworker_wenxian_of(ops):
    return make_staff("cw_wx2", Office.objects.get(region_id="410825"), Role.CASEWORKER)
