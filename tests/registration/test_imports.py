"""Ops imports: comparison records (信息比对) and the education department's graduate list, per-row error report,
idempotence, file-level refusals, permissions and scoping. (The graduates' own rules, handed over and not an
application: tests/registration/test_handover.py; existing registrations: test_registration_import.py.)"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from common import tables
from common.history import history_for
from common.jobs import registered_jobs
from common.xlsx import XLSX_CONTENT_TYPE
from offices.models import Office
from offices.roles import Role
from registration.imports import (
    ImportFileError,
    columns_for,
    comparison_import,
    graduates_import,
    import_batch_process,
    import_batches_resume,
)
from registration.imports import batches as batches_module
from registration.imports import comparison as comparison_flow
from registration.imports import graduates as graduate_flow
from registration.models import (
    Application,
    ComparisonRecord,
    ImportBatch,
    Person,
    Registration,
    Verification,
)
from registration.tasks import process_import_batch
from tests.conftest import make_staff

from .factories import citizen_id, person_data, submit

pytestmark = pytest.mark.django_db

GRADUATE_HEADERS = [
    "身份证号",
    "姓名",
    "毕业院校",
    "毕业时间",
    "联系电话",
    "户籍地行政区划代码",
    "登记地行政区划代码",
]
COMPARISON_HEADERS = ["身份证号", "姓名", "单位名称", "开始日期", "结束日期"]


def make_id(seq: int) -> str:
    """The citizen ID of graduate number ``seq`` of these lists (born 2002-05-01 in 解放区)."""
    return citizen_id(date(2002, 5, 1), seq=seq)


def xlsx_file(
    rows: list[list], name: str = "名单.xlsx", *, text_columns: tuple[int, ...] = (1,)
) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for column in text_columns:  # ID numbers as text, as the template asks
        for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
            cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)


def csv_file(rows: list[list], name: str = "data.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(str(v) for v in row) for row in rows) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def graduates(n: int, start: int = 1) -> list[list]:
    return [GRADUATE_HEADERS] + [
        [
            make_id(start + i),
            f"毕业生{start + i}",
            "河南理工大学",
            date(2025, 6, 30),
            "1390391000" + str(i),
            "",
            "",
        ]
        for i in range(n)
    ]


# ---- graduates ----------------------------------------------------------------------------------------


def test_it_records_each_graduate_row_as_handed_over_by_the_education_department(ops_jiaozuo):
    batch = graduates_import(file=xlsx_file(graduates(3)), user=ops_jiaozuo)

    assert (batch.kind, batch.total_rows, batch.created_rows, batch.skipped_rows, batch.error_rows) == (
        ImportBatch.Kind.GRADUATES,
        3,
        3,
        0,
        0,
    )
    assert batch.office == ops_jiaozuo.office and batch.uploaded_by == ops_jiaozuo
    assert batch.file_name == "名单.xlsx" and len(batch.sha256) == 64
    registrations = Registration.objects.filter(import_batch=batch).select_related("person")
    assert registrations.count() == 3
    reg = registrations.get(person__id_number=make_id(1))
    assert reg.source == Registration.Source.HANDED_OVER and reg.status == Registration.Status.ACTIVE
    assert reg.channel == Application.Channel.EDUCATION
    assert reg.is_graduate and reg.graduate_school == "河南理工大学"
    assert reg.graduation_date == date(2025, 6, 30)
    assert reg.region_id == "410800"  # the importing office's region by default
    assert reg.recorded_by == ops_jiaozuo
    assert reg.handed_over_on == reg.registered_on == timezone.localdate()  # no 移交日期: the upload day
    assert reg.person.name == "毕业生1" and reg.person.phone == "13903910000"
    assert not Application.objects.exists()  # nobody applied


def test_it_is_idempotent_when_the_same_graduate_file_is_imported_twice(ops_jiaozuo, monkeypatch):
    monkeypatch.setattr(graduate_flow, "CHUNK_ROWS", 3)  # across a chunk boundary too
    upload = xlsx_file(graduates(4))
    content = upload.read()
    first = graduates_import(file=SimpleUploadedFile(upload.name, content), user=ops_jiaozuo)
    count = Registration.objects.count()

    second = graduates_import(file=SimpleUploadedFile(upload.name, content), user=ops_jiaozuo)

    assert first.created_rows == 4
    assert (second.total_rows, second.created_rows, second.skipped_rows, second.error_rows) == (4, 0, 4, 0)
    assert second.errors == []
    assert [s["row"] for s in second.skips] == [2, 3, 4, 5]  # each skipped row listed, with why
    assert all(s["message"].startswith("已有有效的失业登记 DJ") for s in second.skips)
    assert Registration.objects.count() == count
    assert second.sha256 == first.sha256


def test_it_reports_bad_rows_by_row_number_and_field_and_keeps_the_good_rows(
    ops_jiaozuo, office_jiefang, monkeypatch
):
    monkeypatch.setattr(graduate_flow, "CHUNK_ROWS", 2)
    bad_checksum = make_id(2)[:17] + ("0" if make_id(2)[17] != "0" else "1")
    rows = [
        GRADUATE_HEADERS,
        [make_id(1), "张三", "河南理工大学", "2025-06-30", "13900000001", "", ""],  # row 2: good
        [bad_checksum, "李四", "河南理工大学", "2025-06-30", "13900000002", "", ""],  # row 3: ID
        [make_id(3), "", "河南理工大学", "2025-06-30", "13900000003", "", ""],  # row 4: name
        [None, None, None, None, None, None, None],  # row 5: blank, ignored
        [
            make_id(4),
            "王五",
            "河南理工大学",
            "2025-13-40",
            "13900000004",
            "999999",
            "",
        ],  # row 6: date, 户籍地
        [make_id(5), "赵 六", "河南理工大学", "20250630", "13900000005", "", ""],  # row 7: name with a space
        [make_id(6), "钱七", "郑州大学", "20250701", "", "410802", "410802"],  # row 8: good
    ]

    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)

    assert (batch.total_rows, batch.created_rows, batch.skipped_rows, batch.error_rows) == (6, 2, 0, 4)
    assert [e["row"] for e in batch.errors] == sorted(e["row"] for e in batch.errors)
    by_row = {(e["row"], e["field"]) for e in batch.errors}
    assert by_row == {
        (3, "身份证号"),
        (4, "姓名"),
        (6, "毕业时间"),
        (6, "户籍地行政区划代码"),
        (7, "姓名"),
    }
    messages = {e["row"]: e["message"] for e in batch.errors}
    assert "校验码" in messages[3]
    assert "空格" in messages[7]
    assert set(
        Registration.objects.filter(import_batch=batch).values_list("person__id_number", flat=True)
    ) == {
        make_id(1),
        make_id(6),
    }
    assert not Person.objects.filter(id_number__in=[make_id(3), make_id(4), make_id(5)]).exists()
    eighth = Registration.objects.get(person__id_number=make_id(6))
    assert eighth.region_id == "410802" and eighth.person.hukou_region_id == "410802"
    assert eighth.office.region_id == "410802"


def test_it_reports_a_registration_region_outside_the_importers_scope(ops_jiaozuo):
    rows = [GRADUATE_HEADERS, [make_id(1), "张三", "郑州大学", "2025-06-30", "", "", "410102"]]

    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)

    assert batch.created_rows == 0
    assert batch.errors == [{"row": 2, "field": "登记地行政区划代码", "message": "该事项不在您的管辖区划内"}]


def test_it_skips_a_graduate_who_already_applied_at_the_counter(ops_jiaozuo, caseworker_jiefang):
    existing = submit(
        user=caseworker_jiefang,
        person=person_data(id_number=make_id(1), name="毕业生1", address="解放路1号", phone=""),
    )

    batch = graduates_import(file=xlsx_file(graduates(2)), user=ops_jiaozuo)

    assert (batch.created_rows, batch.skipped_rows, batch.error_rows) == (1, 1, 0)
    assert batch.skips == [
        {"row": 2, "field": "", "message": f"已有待办申请 {existing.number}，请在申请中办理"}
    ]
    person = Person.objects.get(id_number=make_id(1))
    assert person.region_id == "410802" and person.address == "解放路1号"  # the skipped row changed nothing
    assert person.phone == "" and not person.registrations.exists()
    assert person.applications.get() == existing


def test_it_keeps_what_the_list_does_not_say_about_a_known_person(ops_jiaozuo, caseworker_jiefang):
    earlier = submit(
        user=caseworker_jiefang,
        person=person_data(
            id_number=make_id(1), name="毕业生1", address="解放路1号", education="20", phone=""
        ),
    )
    Application.objects.filter(pk=earlier.pk).update(
        status=Application.Status.WITHDRAWN, decided_at=timezone.now()
    )

    batch = graduates_import(file=xlsx_file(graduates(1)), user=ops_jiaozuo)

    assert batch.created_rows == 1
    person = Person.objects.get(id_number=make_id(1))
    assert (person.address, person.education, person.phone) == ("解放路1号", "20", "13903910000")


def test_it_records_who_imported_in_the_history(ops_jiaozuo):
    batch = graduates_import(file=xlsx_file(graduates(1)), user=ops_jiaozuo)

    event = history_for(Registration.objects.get(import_batch=batch))[0]
    assert event["label"] == "insert"
    assert event["user_id"] == ops_jiaozuo.pk
    assert event["source"] == "import:graduates"


def test_it_asks_for_text_cells_when_an_id_number_was_typed_as_a_number(ops_jiaozuo):
    rows = [GRADUATE_HEADERS, [float(make_id(1)[:17] + "1"), "张三", "郑州大学", "2025-06-30", "", "", ""]]

    batch = graduates_import(file=xlsx_file(rows, text_columns=()), user=ops_jiaozuo)

    assert batch.error_rows == 1
    assert batch.errors[0]["field"] == "身份证号" and "文本格式" in batch.errors[0]["message"]


# ---- comparison records -----------------------------------------------------------------------------


def test_it_lets_the_comparison_find_employment_after_a_social_insurance_import(
    client, ops_jiaozuo, caseworker_jiefang
):
    today = timezone.localdate()
    rows = [
        COMPARISON_HEADERS,
        [make_id(1), "张三", "焦作某机械有限公司", today - timedelta(days=400), None],  # still contributing
        [make_id(2), "李四", "焦作某商贸有限公司", "2023-01-01", "20240131"],  # ended long ago
    ]
    client.force_login(ops_jiaozuo)
    response = client.post(
        reverse("registration:import_comparison"),
        {"kind": ImportBatch.Kind.SOCIAL_INSURANCE, "file": xlsx_file(rows, "社保.xlsx")},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:import_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.QUEUED  # parsed by the job, not in the request
    assert not ComparisonRecord.objects.exists()
    process_import_batch(batch.pk)  # the Celery task's body, as the worker runs it after commit
    assert ComparisonRecord.objects.filter(batch=batch).count() == 2

    def apply(seq: int, name: str) -> Application:
        return submit(
            user=caseworker_jiefang, person=person_data(id_number=make_id(seq), name=name, phone="")
        )

    employed = apply(1, "张三").verifications.get()
    assert employed.outcome == Verification.Outcome.EMPLOYMENT_FOUND
    assert "焦作某机械有限公司" in employed.detail
    assert apply(2, "李四").verifications.get().outcome == Verification.Outcome.NO_RECORD


def test_it_reads_a_gb18030_csv_of_business_registrations(ops_jiaozuo):
    rows = [
        ["证件号码", "姓名", "市场主体名称", "开始日期", "结束日期"],
        [make_id(1), "张三", "解放区张三便利店", "20220315", ""],
        [make_id(2), "李四", "温县李四餐馆", "2021-05-01", "2023-12-31"],
    ]

    batch = comparison_import(
        file=csv_file(rows, "市场主体.csv", encoding="gb18030"),
        kind=ImportBatch.Kind.BUSINESS,
        user=ops_jiaozuo,
    )

    assert (batch.total_rows, batch.created_rows, batch.error_rows) == (2, 2, 0)
    shop = ComparisonRecord.objects.get(id_number=make_id(1))
    assert shop.source == ComparisonRecord.Source.BUSINESS
    assert (shop.name, shop.organisation, shop.start_date, shop.end_date) == (
        "张三",
        "解放区张三便利店",
        date(2022, 3, 15),
        None,
    )
    assert ComparisonRecord.objects.get(id_number=make_id(2)).end_date == date(2023, 12, 31)


def test_it_imports_comparison_records_once_and_takes_a_newer_end_date(ops_jiaozuo):
    rows = [
        COMPARISON_HEADERS,
        [make_id(1), "张三", "某公司", "2024-01-01", ""],
        [make_id(2), "李四", "某公司", "2024-01-01", ""],
    ]
    comparison_import(file=csv_file(rows), kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=ops_jiaozuo)

    again = comparison_import(file=csv_file(rows), kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=ops_jiaozuo)
    assert (again.created_rows, again.skipped_rows) == (0, 2)

    rows[1][4] = "2025-10-31"
    newer = comparison_import(file=csv_file(rows), kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=ops_jiaozuo)
    assert (newer.created_rows, newer.skipped_rows) == (1, 1)
    assert ComparisonRecord.objects.count() == 2
    assert ComparisonRecord.objects.get(id_number=make_id(1)).end_date == date(2025, 10, 31)


def test_it_keeps_every_good_row_when_a_chunk_insert_fails_and_rows_are_retried_one_by_one(
    ops_jiaozuo, monkeypatch
):
    rows = [COMPARISON_HEADERS] + [[make_id(i), f"人{i}", "某公司", "2024-01-01", ""] for i in range(1, 6)]
    comparison_import(file=csv_file(rows[:2]), kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=ops_jiaozuo)
    monkeypatch.setattr(comparison_flow, "CHUNK_ROWS", 2)
    real_bulk_create = ComparisonRecord.objects.bulk_create
    calls = []

    def failing_bulk_create(records, *args, **kwargs):
        calls.append(len(records))
        if len(calls) == 1:
            real_bulk_create(records, *args, **kwargs)  # writes, then fails: the savepoint must undo it
            raise IntegrityError("simulated")
        return real_bulk_create(records, *args, **kwargs)

    monkeypatch.setattr(ComparisonRecord.objects, "bulk_create", failing_bulk_create)

    batch = comparison_import(file=csv_file(rows), kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=ops_jiaozuo)

    assert calls == [1, 2, 1]  # chunk 1 (row 2 already held), chunk 2, chunk 3
    assert (batch.total_rows, batch.created_rows, batch.skipped_rows, batch.error_rows) == (5, 4, 1, 0)
    assert ComparisonRecord.objects.count() == 5


def test_it_reports_bad_comparison_rows_with_the_files_own_headers(ops_jiaozuo):
    rows = [
        ["证件号码", "姓名", "单位名称", "开始日期", "结束日期"],
        ["12345", "张三", "某公司", "2024-01-01", ""],
        [make_id(2), "李四", "", "2024/02/30", ""],
        [make_id(3), "王五", "某公司", "2024-05-01", "2024-04-30"],
        [make_id(4).lower(), "赵六", "某公司", "2024-05-01", ""],
    ]

    batch = comparison_import(file=csv_file(rows), kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=ops_jiaozuo)

    assert {(e["row"], e["field"]) for e in batch.errors} == {
        (2, "证件号码"),
        (3, "单位名称"),
        (3, "开始日期"),
        (4, "结束日期"),
    }
    assert (batch.created_rows, batch.error_rows) == (1, 3)
    assert ComparisonRecord.objects.get().id_number == make_id(4)


# ---- bad files -----------------------------------------------------------------------------------------


def test_it_gives_a_form_error_for_a_missing_required_column_and_creates_no_batch(client, ops_jiaozuo):
    rows = [["身份证号", "姓名", "单位名称", "开始日期"], [make_id(1), "张三", "某公司", "2024-01-01"]]
    client.force_login(ops_jiaozuo)

    response = client.post(
        reverse("registration:import_comparison"),
        {"kind": ImportBatch.Kind.SOCIAL_INSURANCE, "file": xlsx_file(rows)},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "缺少必需的列：结束日期" in html
    assert 'class="error"' in html
    assert not ImportBatch.objects.exists()
    assert not ComparisonRecord.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.txt", b"hello"), "只能导入 Excel（.xlsx）或 CSV 文件"),
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0"), "不支持旧版 Excel"),
        (SimpleUploadedFile("a.xlsx", b"not a zip"), "不是有效的 Excel"),
        (SimpleUploadedFile("a.csv", "身份证号,姓名\n".encode()), "缺少必需的列"),
        (SimpleUploadedFile("a.csv", b"\xef\xbb\xbf"), "文件为空"),
    ],
)
def test_it_refuses_a_file_it_cannot_use(client, ops_jiaozuo, upload, message):
    client.force_login(ops_jiaozuo)

    response = client.post(reverse("registration:import_graduates"), {"file": upload})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_it_refuses_a_file_with_headers_but_no_rows(ops_jiaozuo):
    with pytest.raises(ImportFileError, match="没有数据行"):
        graduates_import(file=xlsx_file([GRADUATE_HEADERS, [None] * 7]), user=ops_jiaozuo)
    assert not ImportBatch.objects.exists()


def test_it_refuses_too_many_rows_and_too_big_a_file(ops_jiaozuo, monkeypatch):
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFileError, match="10 MB"):
        graduates_import(file=csv_file([["x" * 200]]), user=ops_jiaozuo)
    assert not ImportBatch.objects.exists()  # refused at upload
    monkeypatch.undo()

    # The rows are counted by the job that reads the whole file: the batch fails with the reason.
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    with pytest.raises(ImportFileError, match="超过3行"):
        graduates_import(file=xlsx_file(graduates(4)), user=ops_jiaozuo)
    rows = [["身份证号", "姓名", "单位名称", "开始日期", "结束日期"]] + [
        [f"x{i}", "某", "某单位", "2024-01-01", ""] for i in range(4)
    ]
    with pytest.raises(ImportFileError, match="超过3行"):
        comparison_import(file=xlsx_file(rows), kind="social_insurance", user=ops_jiaozuo)
    assert [(b.status, "超过3行" in b.failure, b.content) for b in ImportBatch.objects.all()] == [
        (ImportBatch.Status.FAILED, True, None)
    ] * 2
    assert not Registration.objects.exists()
    assert not ComparisonRecord.objects.exists()


# ---- pages, permissions, scoping ------------------------------------------------------------------------


def test_it_processes_an_uploaded_graduate_list_in_a_background_job(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)

    response = client.post(
        reverse("registration:import_graduates"), {"file": xlsx_file(graduates(2))}, follow=True
    )

    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("registration:import_detail", args=[batch.pk])
    html = response.content.decode()
    assert "正在后台逐行登记为教育部门移交" in html and "排队中" in html
    assert '<meta http-equiv="refresh" content="3">' in html  # the page follows the job
    assert batch.status == ImportBatch.Status.QUEUED and batch.content
    assert not Registration.objects.exists()

    process_import_batch(batch.pk)  # the Celery task's body, as the worker runs it after commit
    process_import_batch(batch.pk)  # delivered twice: nothing more happens

    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_rows) == (ImportBatch.Status.DONE, 2, 2)
    assert batch.content is None
    assert Registration.objects.filter(import_batch=batch).count() == 2
    html = client.get(reverse("registration:import_detail", args=[batch.pk])).content.decode()
    assert "已完成" in html and "http-equiv" not in html
    assert history_for(batch)[0]["user_id"] == ops_jiaozuo.pk


class WorkerKilled(BaseException):
    """What a killed worker looks like to the code it was running: it stops, nothing after it runs."""


def test_it_resumes_a_batch_whose_worker_died_after_the_last_committed_chunk(
    ops_jiaozuo, monkeypatch, time_machine
):
    monkeypatch.setattr(graduate_flow, "CHUNK_ROWS", 2)
    batch = graduates_import(file=xlsx_file(graduates(5)), user=ops_jiaozuo, run_now=False)
    real_start = graduate_flow._start

    def dies_in_the_second_chunk(batch):
        handle, calls = real_start(batch), []

        def handle_then_die(*args):
            calls.append(1)
            if len(calls) == 2:
                raise WorkerKilled
            return handle(*args)

        return handle_then_die

    flow = batches_module.FLOWS["graduates"]
    monkeypatch.setitem(batches_module.FLOWS, "graduates", replace(flow, start=dies_in_the_second_chunk))
    with pytest.raises(WorkerKilled):
        import_batch_process(batch.pk)
    monkeypatch.setitem(batches_module.FLOWS, "graduates", flow)  # a new worker runs the real code
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_rows) == ("running", 2, 2)
    assert import_batch_process(batch.pk) is False  # running elsewhere: not taken twice
    assert import_batches_resume() == 0  # its heartbeat is recent

    time_machine.move_to(timezone.now() + timedelta(hours=1))
    assert import_batches_resume() == 1
    assert import_batch_process(batch.pk) is True
    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_rows, batch.skipped_rows) == ("done", 5, 5, 0)
    assert batch.attempt == 2
    assert Registration.objects.filter(import_batch=batch).count() == 5


def test_it_shows_the_error_table_on_the_batch_page(client, ops_jiaozuo):
    rows = [GRADUATE_HEADERS, [make_id(1), "", "郑州大学", "2025-06-30", "", "", ""]]
    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)
    client.force_login(ops_jiaozuo)

    html = client.get(reverse("registration:import_detail", args=[batch.pk])).content.decode()

    assert 'id="import-errors"' in html
    assert "<td>2</td><td>姓名</td><td>请填写姓名</td>" in html


def test_it_lists_the_batches_newest_first_and_links_them_from_the_ops_home(client, ops_jiaozuo):
    older = graduates_import(file=xlsx_file(graduates(1), "旧名单.xlsx"), user=ops_jiaozuo)
    newer = graduates_import(file=xlsx_file(graduates(1, start=5), "新名单.xlsx"), user=ops_jiaozuo)
    client.force_login(ops_jiaozuo)

    html = client.get(reverse("registration:import_list")).content.decode()

    assert html.index("新名单.xlsx") < html.index("旧名单.xlsx")
    assert reverse("registration:import_detail", args=[older.pk]) in html
    assert reverse("registration:import_detail", args=[newer.pk]) in html
    assert reverse("registration:import_list") in client.get(reverse("home")).content.decode()


def test_it_forbids_imports_to_users_without_the_ops_role(client, caseworker_jiefang, supervisor_jiaozuo):
    for user in (caseworker_jiefang, supervisor_jiaozuo):
        client.force_login(user)
        for url in (
            reverse("registration:import_list"),
            reverse("registration:import_comparison"),
            reverse("registration:import_graduates"),
            reverse("registration:import_registrations"),
            reverse("registration:import_template", args=["graduates"]),
            reverse("registration:import_template", args=["registrations"]),
        ):
            assert client.get(url).status_code == 403, url
        response = client.post(reverse("registration:import_graduates"), {"file": xlsx_file(graduates(1))})
        assert response.status_code == 403
    assert not ImportBatch.objects.exists()
    assert not Registration.objects.exists()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("registration:import_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_answers_404_for_another_regions_batch(client, ops_jiaozuo):
    zhengzhou = Office.objects.create(code="T410100", name="郑州市公共就业服务中心", region_id="410100")
    ops_zhengzhou = make_staff("ops_zz", zhengzhou, Role.OPS)
    theirs = comparison_import(
        file=csv_file([COMPARISON_HEADERS, [make_id(1), "张三", "某公司", "2024-01-01", ""]]),
        kind=ImportBatch.Kind.SOCIAL_INSURANCE,
        user=ops_zhengzhou,
    )
    ours = comparison_import(
        file=csv_file([COMPARISON_HEADERS, [make_id(2), "李四", "某公司", "2024-01-01", ""]]),
        kind=ImportBatch.Kind.SOCIAL_INSURANCE,
        user=ops_jiaozuo,
    )
    client.force_login(ops_jiaozuo)

    assert client.get(reverse("registration:import_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("registration:import_detail", args=[ours.pk])).status_code == 200
    assert (
        reverse("registration:import_detail", args=[theirs.pk])
        not in client.get(reverse("registration:import_list")).content.decode()
    )


def test_it_only_accepts_a_post_for_the_upload(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    assert client.put(reverse("registration:import_graduates")).status_code == 405
    html = client.get(reverse("registration:import_graduates")).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "autofocus" in html and '<label for="id_file">' in html


# ---- templates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ImportBatch.Kind.values)
def test_it_offers_an_xlsx_template_with_the_headers_of_each_format(client, ops_jiaozuo, kind):
    client.force_login(ops_jiaozuo)

    response = client.get(reverse("registration:import_template", args=[kind]))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in columns_for(kind)]


def test_it_imports_a_filled_in_template(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    content = client.get(reverse("registration:import_template", args=["graduates"])).content
    workbook = load_workbook(io.BytesIO(content))
    workbook.worksheets[0].append([make_id(1), "张三", "河南理工大学", date(2025, 6, 30), "13900000000"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    batch = graduates_import(file=SimpleUploadedFile("模板.xlsx", buffer.getvalue()), user=ops_jiaozuo)

    assert (batch.created_rows, batch.error_rows) == (1, 0)


def test_it_answers_404_for_an_unknown_template(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    assert client.get("/imports/template/nonsense.xlsx").status_code == 404


def test_it_asks_for_a_file_when_none_was_chosen(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)

    response = client.post(reverse("registration:import_graduates"), {})

    assert response.status_code == 200
    assert 'id="id_file_error"' in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_it_refuses_the_whole_graduate_file_when_the_calendar_does_not_reach_the_deadline(ops_jiaozuo):
    # Handed over on 2026-12-29: the fifth working day falls in 2027, a year the calendar does not hold yet.
    with time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        with pytest.raises(ImportFileError, match="工作日历"):
            graduates_import(file=xlsx_file(graduates(2)), user=ops_jiaozuo)

    batch = ImportBatch.objects.get()  # kept, failed, with the reason for ops
    assert batch.status == ImportBatch.Status.FAILED and "工作日历" in batch.failure
    assert batch.content is None
    assert not Registration.objects.exists()
    assert not Person.objects.exists()


# ---- issue #7: imports that cannot be abused or lose rows ------------------------------------------------


def test_it_parses_an_uploaded_comparison_file_in_the_worker_not_in_the_request(
    client, ops_jiaozuo, monkeypatch
):
    rows = [COMPARISON_HEADERS] + [[make_id(i), f"人{i}", "某公司", "2024-01-01", ""] for i in range(1, 4)]
    client.force_login(ops_jiaozuo)
    real_read_table = batches_module.read_table
    monkeypatch.setattr(batches_module, "read_table", None)  # the request must not parse the rows

    response = client.post(
        reverse("registration:import_comparison"),
        {"kind": ImportBatch.Kind.SOCIAL_INSURANCE, "file": xlsx_file(rows, "社保.xlsx")},
        follow=True,
    )

    batch = ImportBatch.objects.get()
    assert (batch.status, batch.total_rows) == (ImportBatch.Status.QUEUED, 0) and batch.content
    html = response.content.decode()
    assert "正在后台导入比对数据" in html and '<meta http-equiv="refresh" content="3">' in html
    assert not ComparisonRecord.objects.exists()

    monkeypatch.setattr(batches_module, "read_table", real_read_table)
    process_import_batch(batch.pk)  # the Celery task's body, as the worker runs it after commit

    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.processed_rows, batch.created_rows) == ("done", 3, 3, 3)
    assert batch.content is None
    assert ComparisonRecord.objects.filter(batch=batch).count() == 3
    html = client.get(reverse("registration:import_detail", args=[batch.pk])).content.decode()
    assert "已完成" in html and "http-equiv" not in html


def test_it_shows_the_progress_of_a_comparison_import_in_chunks(client, ops_jiaozuo, monkeypatch):
    monkeypatch.setattr(comparison_flow, "CHUNK_ROWS", 2)
    rows = [COMPARISON_HEADERS] + [[make_id(i), f"人{i}", "某公司", "2024-01-01", ""] for i in range(1, 6)]
    batch = comparison_import(file=csv_file(rows), kind="social_insurance", user=ops_jiaozuo, run_now=False)
    positions = []
    real_chunk = batches_module._chunk

    def spy(batch, table, start, handle):
        positions.append(real_chunk(batch, table, start, handle))
        return positions[-1]

    monkeypatch.setattr(batches_module, "_chunk", spy)

    import_batch_process(batch.pk)

    assert positions == [2, 4, 5]  # each chunk committed with the batch's position
    client.force_login(ops_jiaozuo)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", processed_rows=2)
    html = client.get(reverse("registration:import_detail", args=[batch.pk])).content.decode()
    assert "已处理 2 / 5 行" in html


def test_it_fails_the_batch_of_a_csv_whose_quote_never_closes_instead_of_keeping_two_of_six_rows(
    client, ops_jiaozuo
):
    lines = [",".join(COMPARISON_HEADERS)] + [f"{make_id(i)},人{i},某公司,2024-01-01," for i in range(1, 7)]
    lines[3] = lines[3].replace(",人3,", ',"人3,')  # row 4: the quote opens and never closes
    upload = SimpleUploadedFile("社保.csv", ("\r\n".join(lines) + "\r\n").encode())
    client.force_login(ops_jiaozuo)
    client.post(reverse("registration:import_comparison"), {"kind": "social_insurance", "file": upload})
    batch = ImportBatch.objects.get()

    process_import_batch(batch.pk)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "第4行的引号未闭合" in batch.failure
    assert not ComparisonRecord.objects.exists()  # the file is refused as a whole, not two rows kept
    html = client.get(reverse("registration:import_detail", args=[batch.pk])).content.decode()
    assert "失败" in html and "第4行的引号未闭合" in html


def test_it_resumes_an_interrupted_import_within_two_minutes_of_its_worker_stopping(
    ops_jiaozuo, time_machine
):
    assert registered_jobs()["registration.resume_import_batches"].schedule == timedelta(minutes=1)
    batch = graduates_import(file=xlsx_file(graduates(2)), user=ops_jiaozuo, run_now=False)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", attempt=1)  # its worker was killed
    time_machine.move_to(timezone.now() + timedelta(seconds=30))
    assert import_batches_resume() == 0  # a live job commits a chunk at least every 15 s

    time_machine.move_to(timezone.now() + timedelta(seconds=35))  # a minute without a heartbeat
    assert import_batches_resume() == 1  # the every-minute job: resumed within two minutes
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.QUEUED
    process_import_batch(batch.pk)
    assert ImportBatch.objects.get(pk=batch.pk).created_rows == 2


def test_it_commits_nothing_more_for_a_job_whose_batch_was_taken_over(ops_jiaozuo, monkeypatch):
    monkeypatch.setattr(graduate_flow, "CHUNK_ROWS", 2)
    batch = graduates_import(file=xlsx_file(graduates(5)), user=ops_jiaozuo, run_now=False)
    real_start = graduate_flow._start

    def taken_over_in_the_second_chunk(batch):
        handle, calls = real_start(batch), []

        def handle_then_lose_the_batch(*args):
            calls.append(1)
            consumed = handle(*args)
            if len(calls) == 2:  # meanwhile the sweep queued it again and another job claimed it
                ImportBatch.objects.filter(pk=batch.pk).update(attempt=batch.attempt + 1)
            return consumed

        return handle_then_lose_the_batch

    flow = batches_module.FLOWS["graduates"]
    monkeypatch.setitem(
        batches_module.FLOWS, "graduates", replace(flow, start=taken_over_in_the_second_chunk)
    )

    assert import_batch_process(batch.pk) is True

    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.created_rows) == ("running", 2, 2)
    assert Registration.objects.filter(import_batch=batch).count() == 2  # the second chunk rolled back


def test_it_commits_a_long_chunk_early_so_that_the_batch_keeps_its_heartbeat(ops_jiaozuo, monkeypatch):
    monkeypatch.setattr(batches_module, "CHUNK_SECONDS", 0)  # every row takes "too long"
    batch = graduates_import(file=xlsx_file(graduates(3)), user=ops_jiaozuo, run_now=False)
    positions = []
    real_chunk = batches_module._chunk

    def spy(batch, table, start, handle):
        positions.append(real_chunk(batch, table, start, handle))
        return positions[-1]

    monkeypatch.setattr(batches_module, "_chunk", spy)

    import_batch_process(batch.pk)

    assert positions == [1, 2, 3]
    batch.refresh_from_db()
    assert (batch.status, batch.created_rows) == ("done", 3)


def test_it_queues_a_batch_again_when_its_job_used_up_its_time_slice(ops_jiaozuo, monkeypatch):
    queued = []
    monkeypatch.setattr(batches_module, "enqueue_on_commit", lambda name, *args: queued.append((name, args)))
    batch = graduates_import(file=xlsx_file(graduates(2)), user=ops_jiaozuo, run_now=False)
    queued.clear()

    assert import_batch_process(batch.pk, time_budget=0) is True

    batch.refresh_from_db()
    assert (batch.status, batch.processed_rows, batch.total_rows) == ("queued", 0, 2)
    assert queued == [("registration.process_import_batch", (batch.pk,))]
    assert import_batch_process(batch.pk) is True
    assert ImportBatch.objects.get(pk=batch.pk).created_rows == 2


def test_it_fails_a_batch_that_keeps_stopping_its_worker_instead_of_retrying_forever(
    ops_jiaozuo, time_machine
):
    batch = graduates_import(file=xlsx_file(graduates(1)), user=ops_jiaozuo, run_now=False)
    ImportBatch.objects.filter(pk=batch.pk).update(status="running", attempt=batches_module.MAX_ATTEMPTS)
    time_machine.move_to(timezone.now() + timedelta(minutes=5))

    assert import_batches_resume() == 0

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "中断了20次" in batch.failure
    assert batch.content is None


def test_it_refuses_invisible_characters_in_the_names_of_imported_rows(ops_jiaozuo):
    rows = graduates(3)
    rows[1][1] = "张\u200b三"  # zero-width space
    rows[2][2] = "河南\u202e学大工理"  # right-to-left override in the school
    rows[3][4] = "139-0391-0000x"

    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)

    assert (batch.created_rows, batch.error_rows) == (0, 3)
    assert {(e["row"], e["field"]) for e in batch.errors} == {(2, "姓名"), (3, "毕业院校"), (4, "联系电话")}
    assert "U+200B" in batch.errors[0]["message"] and "不可见字符" in batch.errors[0]["message"]

    comparison = [COMPARISON_HEADERS, [make_id(9), "李\u2066四", "某\ufeff公司", "2024-01-01", ""]]
    batch = comparison_import(file=xlsx_file(comparison), kind="social_insurance", user=ops_jiaozuo)
    assert {(e["row"], e["field"]) for e in batch.errors} == {(2, "姓名"), (2, "单位名称")}
    assert not ComparisonRecord.objects.exists()


def test_the_batch_list_names_its_own_columns_and_a_repeated_file_links_to_the_earlier_batch(
    client, ops_jiaozuo
):
    first = graduates_import(file=csv_file(graduates(1), "名单.csv"), user=ops_jiaozuo)
    second = graduates_import(file=csv_file(graduates(1), "名单.csv"), user=ops_jiaozuo)
    ImportBatch.objects.filter(pk=first.pk).update(created_at=second.created_at - timedelta(hours=1))
    client.force_login(ops_jiaozuo)
    listing = client.get(reverse("registration:import_list")).content.decode()
    assert '<th scope="col">新增</th>' in listing and '<th scope="col">跳过</th>' in listing
    first_url = reverse("registration:import_detail", args=[first.pk])
    html = client.get(reverse("registration:import_detail", args=[second.pk])).content.decode()
    assert "同一文件此前已于" in html and "已有的数据未重复新增" in html and f'href="{first_url}"' in html
    assert "同一文件此前已于" not in client.get(first_url).content.decode()
