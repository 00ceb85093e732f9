"""Exit proposals from comparison data (issue 10 "Exit proposals"): ops' lists of pension awards (→ 21), deaths
(→ 26), school enrolment or enlistment (→ 24) and imprisonment (→ 25), and stage 1's comparison records of a new
job (→ 11) or business (→ 12); the per-row report, idempotency, the worklist with "mine", confirm through the
prefilled exit form, dismiss, and the proposals closing when an exit takes effect."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from codes.lookup import label
from common.jobs import registered_jobs
from deregistration.imports import (
    ALREADY_PROPOSED,
    EVENT_IN_FUTURE,
    EXIT_KINDS,
    NO_ACTIVE_REGISTRATION,
    exit_import,
)
from deregistration.models import PROPOSAL_CODES, Exit, ExitProposal
from deregistration.rules import NEEDS_APPROVAL
from deregistration.selectors import open_exit_proposals, proposal_exit_date
from deregistration.services import (
    DISMISS_REASON_REQUIRED,
    PROPOSAL_NOT_OPEN,
    exit_approve,
    exit_proposal_dismiss,
    exit_proposals_from_comparison,
    exit_propose,
)
from followup.services import case_for
from offices.roles import Role
from registration.imports import comparison_import, import_batch_process
from registration.models import ComparisonRecord, ImportBatch, Registration
from tests.conftest import make_staff
from tests.registration.factories import citizen_id

from .factories import TODAY, registered, with_outcome, with_unreachable

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("deregistration:proposals")
IMPORTS = reverse("deregistration:imports")
HEADERS = ["身份证号", "姓名", "事件日期", "来源或依据"]


def csv_file(rows: list[list], name: str = "名单.csv", headers=HEADERS) -> SimpleUploadedFile:
    lines = [",".join(headers)] + [",".join(str(cell) for cell in row) for row in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


@pytest.fixture
def registration(caseworker_jiefang):
    return registered(caseworker_jiefang)


def pension_row(
    registration: Registration, on: str = "2026-10-01", evidence: str = "豫人社养老核〔2026〕12号"
):
    return [registration.person.id_number, registration.person.name, on, evidence]


# ---- the lists, per code --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "code", "source"),
    [
        ("exit_pension", "21", "pension"),
        ("exit_death", "26", "death"),
        ("exit_school", "24", "school"),
        ("exit_prison", "25", "prison"),
    ],
)
def test_each_list_proposes_its_code_for_the_active_registration(
    registration, ops_jiaozuo, kind, code, source
):
    batch = exit_import(file=csv_file([pension_row(registration)]), kind=kind, user=ops_jiaozuo)
    assert (batch.status, batch.created_rows, batch.skipped_rows, batch.error_rows) == ("done", 1, 0, 0)
    proposal = ExitProposal.objects.get()
    assert (proposal.registration, proposal.region_id, proposal.code, proposal.source) == (
        registration,
        "410802",
        code,
        source,
    )
    assert (proposal.event_on, proposal.batch, proposal.row, proposal.status) == (
        date(2026, 10, 1),
        batch,
        2,
        "open",
    )
    assert proposal.evidence == f"{registration.person.name}；豫人社养老核〔2026〕12号"
    assert batch.get_kind_display().endswith(f"（提议注销：{code}）")


def test_no_proposed_code_needs_a_supervisors_approval():
    assert set(PROPOSAL_CODES.values()) == {"11", "12", "21", "24", "25", "26"}
    assert not set(PROPOSAL_CODES.values()) & NEEDS_APPROVAL


def test_the_list_accepts_the_kind_specific_date_header_and_xlsx_like_dates(registration, ops_jiaozuo):
    file = csv_file(
        [pension_row(registration, on="20261001")], headers=["证件号码", "姓名", "死亡日期", "备注"]
    )
    exit_import(file=file, kind="exit_death", user=ops_jiaozuo)
    assert ExitProposal.objects.get().event_on == date(2026, 10, 1)


# ---- the per-row report ---------------------------------------------------------------------------------------
def test_bad_rows_are_reported_unmatched_rows_listed_and_good_rows_kept(
    registration, caseworker_jiefang, ops_jiaozuo
):
    ended = registered(caseworker_jiefang, name="李四")
    exit_propose(registration=ended, user=caseworker_jiefang, code="13", deregistered_on=TODAY)
    stranger = citizen_id(date(1970, 1, 1), seq=555)
    file = csv_file(
        [
            ["41080219900517001X", "甲", "2026-10-01", ""],  # bad check character
            [registration.person.id_number, "乙", "2026-13-01", ""],  # bad date
            [registration.person.id_number, "丙", "2026-12-01", ""],  # in the future
            [registration.person.id_number, "丁", "", ""],  # no date
            [stranger, "戊", "2026-10-01", ""],  # nobody registered
            [ended.person.id_number, "李四", "2026-10-01", ""],  # registration ended
            pension_row(registration),  # good
        ]
    )
    batch = exit_import(file=file, kind="exit_pension", user=ops_jiaozuo)
    assert (batch.total_rows, batch.created_rows, batch.skipped_rows, batch.error_rows) == (7, 1, 2, 4)
    assert [e["row"] for e in batch.errors] == [2, 3, 4, 5]
    assert {e["field"] for e in batch.errors} == {"身份证号", "事件日期"}
    assert {"row": 4, "field": "事件日期", "message": str(EVENT_IN_FUTURE)} in batch.errors
    assert batch.skips == [
        {"row": 6, "field": "", "message": str(NO_ACTIVE_REGISTRATION)},
        {"row": 7, "field": "", "message": str(NO_ACTIVE_REGISTRATION)},
    ]
    assert list(ExitProposal.objects.values_list("registration_id", flat=True)) == [registration.pk]


def test_a_file_without_the_id_column_is_refused_whole(ops_jiaozuo):
    from common.tables import ImportFileError

    with pytest.raises(ImportFileError):
        exit_import(
            file=csv_file([["甲", "2026-10-01"]], headers=["姓名", "事件日期"]),
            kind="exit_pension",
            user=ops_jiaozuo,
        )
    assert not ImportBatch.objects.exists()


def test_matching_stays_within_the_importing_offices_region(registration, office_wenxian):
    ops_wenxian = make_staff("ops_wenxian", office_wenxian, Role.OPS)
    batch = exit_import(file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_wenxian)
    assert (batch.created_rows, batch.skipped_rows) == (0, 1)
    assert not ExitProposal.objects.exists()


# ---- idempotent ------------------------------------------------------------------------------------------------
def test_importing_the_same_file_twice_proposes_nothing_twice(registration, caseworker_jiefang, ops_jiaozuo):
    first = exit_import(file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo)
    again = exit_import(file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo)
    assert (first.created_rows, again.created_rows, again.skipped_rows) == (1, 0, 1)
    assert again.skips == [{"row": 2, "field": "", "message": str(ALREADY_PROPOSED)}]
    assert again.sha256 == first.sha256

    exit_proposal_dismiss(proposal=ExitProposal.objects.get(), user=caseworker_jiefang, reason="核定有误")
    third = exit_import(file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo)
    assert third.created_rows == 0  # a dismissed event stays dismissed
    assert ExitProposal.objects.count() == 1
    # A row repeated within one file, and a second event date, in one more file:
    both = csv_file([pension_row(registration, on="2026-11-02")] * 2)
    batch = exit_import(file=both, kind="exit_pension", user=ops_jiaozuo)
    assert (batch.created_rows, batch.skipped_rows) == (1, 1)


def test_the_database_refuses_a_second_proposal_of_the_same_event(registration, ops_jiaozuo):
    """Two workers importing the same event at once: the unique key lets one insert win (the statement's
    ON CONFLICT DO NOTHING skips the other)."""
    fields = dict(registration=registration, region_id="410802", code="21", source="pension", event_on=TODAY)
    ExitProposal.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExitProposal.objects.create(**fields)


def test_a_batch_processed_twice_proposes_once(registration, ops_jiaozuo):
    batch = exit_import(
        file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo, run_now=False
    )
    assert import_batch_process(batch.pk) is True
    assert import_batch_process(batch.pk) is False  # already done: a second worker claims nothing
    assert ExitProposal.objects.count() == 1


# ---- 11 / 12 from stage 1's comparison records -----------------------------------------------------------------
COMPARISON_HEADERS = ["身份证号", "姓名", "单位名称", "开始日期", "结束日期"]


def test_a_comparison_import_proposes_11_and_12_for_records_starting_after_registration(
    registration, caseworker_jiefang, ops_jiaozuo
):
    other = registered(caseworker_jiefang, name="王五")
    later = registered(caseworker_jiefang, name="孙九")
    rows = [
        [registration.person.id_number, "张三", "某某科技有限公司", "2026-06-01", ""],  # after 2026-03-02
        [other.person.id_number, "王五", "老东家有限公司", "2025-01-01", "2026-02-01"],  # before registration
        [later.person.id_number, "孙九", "明年入职公司", "2026-12-15", ""],  # not started yet (today 11-20)
    ]
    comparison_import(
        file=csv_file(rows, headers=COMPARISON_HEADERS),
        kind=ImportBatch.Kind.SOCIAL_INSURANCE,
        user=ops_jiaozuo,
    )
    proposal = ExitProposal.objects.get()
    assert (proposal.registration, proposal.code, proposal.source, proposal.event_on) == (
        registration,
        "11",
        "employment",
        date(2026, 6, 1),
    )
    assert proposal.record.organisation == proposal.evidence == "某某科技有限公司"

    business = [[other.person.id_number, "王五", "王五小吃店", "2026-09-15", ""]]
    batch = comparison_import(
        file=csv_file(business, headers=["身份证号", "姓名", "市场主体名称", "开始日期", "结束日期"]),
        kind=ImportBatch.Kind.BUSINESS,
        user=ops_jiaozuo,
    )
    assert ExitProposal.objects.get(registration=other).code == "12"
    assert ExitProposal.objects.get(registration=other).batch == batch
    assert exit_proposals_from_comparison() == 0  # the nightly scan finds nothing new: idempotent


def test_the_nightly_scan_proposes_for_records_the_import_did_not_propose_for(
    registration, caseworker_jiefang, ops_jiaozuo
):
    """E.g. a record imported before an existing registration was brought in (既有失业登记), or an import whose
    signal was lost: here a record stored without the import's signal."""
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.BUSINESS,
        status="done",
        file_name="x.csv",
        sha256="0",
        office=ops_jiaozuo.office,
        uploaded_by=ops_jiaozuo,
    )
    ComparisonRecord.objects.create(
        source="business",
        id_number=registration.person.id_number,
        name="张三",
        organisation="张三五金店",
        start_date=date(2026, 4, 1),
        batch=batch,
    )
    assert not ExitProposal.objects.exists()
    result = registered_jobs()["deregistration.propose_from_comparison"].func()
    assert result == {"proposed": 1}
    assert ExitProposal.objects.get().registration == registration
    assert registered_jobs()["deregistration.propose_from_comparison"].func() == {"proposed": 0}


# ---- the worklist ------------------------------------------------------------------------------------------------
def _proposal(
    registration: Registration, ops, kind: str = "exit_pension", on: str = "2026-10-01"
) -> ExitProposal:
    exit_import(file=csv_file([pension_row(registration, on=on)]), kind=kind, user=ops)
    return ExitProposal.objects.get(
        registration=registration, code=PROPOSAL_CODES[kind.removeprefix("exit_")]
    )


def test_the_worklist_shows_the_regions_open_proposals_with_their_evidence(
    client, registration, caseworker_jiefang, caseworker_wenxian, ops_jiaozuo
):
    proposal = _proposal(registration, ops_jiaozuo)
    elsewhere = _proposal(
        registered(caseworker_wenxian, region="410825", name="钱七"), ops_jiaozuo, "exit_death"
    )
    client.force_login(caseworker_jiefang)
    response = client.get(PROPOSALS)
    assert [row["proposal"] for row in response.context["data_rows"]] == [proposal]
    html = response.content.decode()
    assert f"21 {label('AJC00A', '21')}" in html
    assert "豫人社养老核〔2026〕12号" in html and "名单.csv 第2行" in html
    exit_url = reverse("deregistration:exit", args=[registration.code])
    assert f"{exit_url}?code=21&amp;deregistered_on=2026-10-01" in html
    assert "李经办" in html  # the responsible caseworker
    client.force_login(caseworker_wenxian)
    assert [row["proposal"] for row in client.get(PROPOSALS).context["data_rows"]] == [elsewhere]


def test_mine_shows_only_the_proposals_of_registrations_i_am_responsible_for(
    client, registration, caseworker_jiefang, office_jiefang, ops_jiaozuo
):
    colleague = make_staff("cw_jiefang2", office_jiefang, Role.CASEWORKER, handler_name="周经办")
    theirs = registered(colleague, name="孙八")
    mine = _proposal(registration, ops_jiaozuo)
    other = _proposal(theirs, ops_jiaozuo)
    assert case_for(theirs).responsible == colleague
    client.force_login(caseworker_jiefang)
    assert {r["proposal"] for r in client.get(PROPOSALS).context["data_rows"]} == {mine, other}
    assert [r["proposal"] for r in client.get(PROPOSALS + "?mine=1").context["data_rows"]] == [mine]
    assert list(open_exit_proposals(colleague, mine=True)) == [other]
    # The follow-up's proposals follow the same filter.
    theirs_followup = with_outcome(theirs, colleague)
    assert [r["followup"] for r in client.get(PROPOSALS).context["rows"]] == [theirs_followup]
    assert client.get(PROPOSALS + "?mine=1").context["rows"] == []


def test_the_worklist_stays_free_of_n_plus_1(client, caseworker_jiefang, ops_jiaozuo):
    client.force_login(caseworker_jiefang)
    _proposal(registered(caseworker_jiefang, name="甲"), ops_jiaozuo)
    with CaptureQueriesContext(connection) as one:
        client.get(PROPOSALS)
    for name in ("乙", "丙", "丁"):
        _proposal(registered(caseworker_jiefang, name=name), ops_jiaozuo)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PROPOSALS)
    assert len(response.context["data_rows"]) == 4
    assert len(many) == len(one)


def test_the_prefilled_date_is_never_before_the_registration_date(registration, ops_jiaozuo):
    proposal = _proposal(registration, ops_jiaozuo, on="2025-12-01")
    assert proposal_exit_date(proposal) == registration.registered_on == date(2026, 3, 2)


def test_a_registration_with_an_open_proposal_is_marked_on_the_lists(
    client, registration, caseworker_jiefang, ops_jiaozuo
):
    client.force_login(caseworker_jiefang)
    person_url = reverse("registration:person_detail", args=[registration.person.code])
    assert "有待处理的注销提议" not in client.get(person_url).content.decode()
    proposal = _proposal(registration, ops_jiaozuo)
    page = client.get(person_url).content.decode()
    row = page[page.index(f'id="registration-{registration.number}"') :]
    assert "有待处理的注销提议" in row[: row.index("</tr>")]
    assert f'id="open-data-proposal-{proposal.pk}"' in page
    results = client.post(
        reverse("registration:person_search"), {"q": registration.person.name}
    ).content.decode()
    assert f'<a class="badge" href="{PROPOSALS}">有待处理的注销提议</a>' in results


# ---- confirm ---------------------------------------------------------------------------------------------------
def test_confirming_opens_the_prefilled_exit_form_and_the_exit_closes_the_proposal(
    client, registration, caseworker_jiefang, ops_jiaozuo
):
    proposal = _proposal(registration, ops_jiaozuo)
    client.force_login(caseworker_jiefang)
    url = reverse("deregistration:exit", args=[registration.code])
    form = client.get(f"{url}?code=21&deregistered_on=2026-10-01").context["form"]
    assert form.initial == {"code": "21", "deregistered_on": "2026-10-01"}
    response = client.post(url, {"code": "21", "deregistered_on": "2026-10-01"})
    assert response.status_code == 302
    exit = Exit.objects.get(registration=registration)
    assert (exit.reason, exit.status) == ("21", "effective")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.exit, proposal.decided_by) == ("confirmed", exit, caseworker_jiefang)
    assert client.get(PROPOSALS).context["data_rows"] == []


def test_any_exit_taking_effect_closes_the_open_proposals(registration, caseworker_jiefang, ops_jiaozuo):
    pension = _proposal(registration, ops_jiaozuo)
    prison = _proposal(registration, ops_jiaozuo, "exit_prison")
    exit = exit_propose(registration=registration, user=caseworker_jiefang, code="13", deregistered_on=TODAY)
    assert set(ExitProposal.objects.values_list("pk", "status", "exit")) == {
        (pension.pk, "confirmed", exit.pk),
        (prison.pk, "confirmed", exit.pk),
    }


def test_a_proposed_exit_hides_the_proposal_and_its_approval_closes_it(
    registration, caseworker_jiefang, supervisor_jiaozuo, ops_jiaozuo
):
    with_unreachable(registration, caseworker_jiefang)
    proposal = _proposal(registration, ops_jiaozuo)
    exit = exit_propose(
        registration=registration,
        user=caseworker_jiefang,
        code="32",
        deregistered_on=TODAY,
        further_checks="入户走访未遇，邻居称已外出",
    )
    assert list(open_exit_proposals(caseworker_jiefang)) == []
    proposal.refresh_from_db()
    assert proposal.status == "open"  # waiting for the supervisor: the registration is still active
    exit_approve(exit=exit, user=supervisor_jiaozuo)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.exit_id) == ("confirmed", exit.pk)


# ---- dismiss ---------------------------------------------------------------------------------------------------
def dismiss_url(proposal: ExitProposal) -> str:
    return reverse("deregistration:proposal_dismiss", args=[proposal.pk])


def test_dismissing_needs_a_reason_keeps_who_and_when_and_removes_it(
    client, registration, caseworker_jiefang, ops_jiaozuo
):
    proposal = _proposal(registration, ops_jiaozuo)
    with pytest.raises(ValidationError) as exc:
        exit_proposal_dismiss(proposal=proposal, user=caseworker_jiefang, reason=" ")
    assert exc.value.message_dict == {"reason": [str(DISMISS_REASON_REQUIRED)]}
    client.force_login(caseworker_jiefang)
    client.post(dismiss_url(proposal), {"reason": ""})
    proposal.refresh_from_db()
    assert proposal.status == "open"

    response = client.post(dismiss_url(proposal), {"reason": "同名同号人员，核定对象不是本人"})
    assert response.status_code == 302 and response["Location"] == PROPOSALS
    proposal.refresh_from_db()
    assert (proposal.status, proposal.dismiss_reason, proposal.decided_by) == (
        "dismissed",
        "同名同号人员，核定对象不是本人",
        caseworker_jiefang,
    )
    assert proposal.decided_at is not None
    assert client.get(PROPOSALS).context["data_rows"] == []
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.ACTIVE
    with pytest.raises(ValidationError) as exc:
        exit_proposal_dismiss(proposal=proposal, user=caseworker_jiefang, reason="再次")
    assert exc.value.messages == [str(PROPOSAL_NOT_OPEN % {"status": "不予注销"})]


def test_dismissing_is_refused_to_another_region(registration, caseworker_wenxian, ops_jiaozuo):
    proposal = _proposal(registration, ops_jiaozuo)
    with pytest.raises(PermissionDenied):
        exit_proposal_dismiss(proposal=proposal, user=caseworker_wenxian, reason="x")


def test_the_dismiss_page_refuses_anonymous_wrong_role_other_region_and_get(
    client, registration, caseworker_wenxian, ops_jiaozuo, supervisor_jiaozuo
):
    proposal = _proposal(registration, ops_jiaozuo)
    response = client.post(dismiss_url(proposal), {"reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (ops_jiaozuo, supervisor_jiaozuo):
        client.force_login(user)
        assert client.post(dismiss_url(proposal), {"reason": "x"}).status_code == 403
    client.force_login(caseworker_wenxian)
    assert client.post(dismiss_url(proposal), {"reason": "x"}).status_code == 404
    assert client.get(dismiss_url(proposal)).status_code == 405
    proposal.refresh_from_db()
    assert proposal.status == "open"


# ---- the ops pages -----------------------------------------------------------------------------------------------
def test_ops_upload_a_list_and_read_its_per_row_report(client, registration, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    assert client.get(IMPORTS).status_code == 200
    file = csv_file([pension_row(registration), ["123", "甲", "2026-10-01", ""]])
    response = client.post(IMPORTS, {"kind": "exit_pension", "file": file})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deregistration:import_detail", args=[batch.pk])
    assert (
        batch.status == "queued" and not ExitProposal.objects.exists()
    )  # parsed by the job, not the request
    import_batch_process(batch.pk)
    html = client.get(response["Location"]).content.decode()
    assert 'id="count-created">1<' in html and "身份证号" in html
    assert "待处理 1，已注销 0，不予注销 0" in html
    listing = client.get(IMPORTS).content.decode()
    assert "养老保险待遇核定名单（提议注销：21）" in listing
    template = client.get(reverse("deregistration:import_template", args=["exit_school"]))
    assert template.status_code == 200 and template["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert client.get(reverse("deregistration:import_template", args=["graduates"])).status_code == 404
    # Stage 1's import pages keep to its own kinds.
    assert batch not in client.get(reverse("registration:import_list")).context["page"].object_list
    assert client.get(reverse("registration:import_detail", args=[batch.pk])).status_code == 404


def test_an_upload_without_a_kind_or_file_names_the_field(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    response = client.post(IMPORTS, {"kind": "", "file": csv_file([["x", "y", "z", ""]])})
    assert response.status_code == 200 and set(response.context["form"].errors) == {"kind"}
    assert not ImportBatch.objects.exists()


def test_the_import_pages_refuse_anonymous_wrong_role_and_other_region(
    client, registration, ops_jiaozuo, caseworker_jiefang, office_wenxian
):
    batch = exit_import(file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo)
    detail = reverse("deregistration:import_detail", args=[batch.pk])
    template = reverse("deregistration:import_template", args=["exit_pension"])
    for url in (IMPORTS, detail, template):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(caseworker_jiefang)
    assert client.get(IMPORTS).status_code == 403
    assert client.post(IMPORTS, {"kind": "exit_pension", "file": csv_file([])}).status_code == 403
    assert client.get(template).status_code == 403
    client.force_login(make_staff("ops_wenxian", office_wenxian, Role.OPS))
    assert client.get(detail).status_code == 404
    assert batch.pk not in [b.pk for b in client.get(IMPORTS).context["page"]]
    not_exit = ImportBatch.objects.create(
        kind=ImportBatch.Kind.GRADUATES,
        file_name="x.csv",
        sha256="0",
        office=batch.office,
        uploaded_by=ops_jiaozuo,
    )
    client.force_login(ops_jiaozuo)
    assert client.get(reverse("deregistration:import_detail", args=[not_exit.pk])).status_code == 404
    assert len(EXIT_KINDS) == 4


def test_two_workers_importing_the_same_event_at_once_propose_it_once(
    committed_db, caseworker_jiefang, ops_jiaozuo, monkeypatch
):
    """Two batches naming the same pension award processed at the same moment by two workers (two threads, two
    connections): the second insert waits on the first one's uncommitted key and, once that commits, skips."""
    from dataclasses import replace

    from registration.imports.batches import FLOWS

    registration = registered(caseworker_jiefang)
    flow = FLOWS["exit_pension"]

    def slow_start(batch):
        handle = flow.start(batch)

        def slow(table, start, outcome, deadline):
            consumed = handle(table, start, outcome, deadline)
            connection.cursor().execute("SELECT pg_sleep(0.3)")  # hold the chunk's transaction open
            return consumed

        return slow

    monkeypatch.setitem(FLOWS, "exit_pension", replace(flow, start=slow_start))
    batches = [
        exit_import(
            file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo, run_now=False
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def worker(pk: int) -> None:
        try:
            start.wait()
            import_batch_process(pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(b.pk,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    counts = sorted(
        ImportBatch.objects.filter(pk__in=[b.pk for b in batches]).values_list("created_rows", "skipped_rows")
    )
    assert counts == [(0, 1), (1, 0)]
    assert ExitProposal.objects.filter(registration=registration).count() == 1


def test_a_follow_up_proposal_marks_the_registration_too_in_a_fixed_number_of_queries(
    client, registration, caseworker_jiefang
):
    client.force_login(caseworker_jiefang)
    search = reverse("registration:person_search")
    client.post(search, {"q": registration.person.name})  # the session's first request loads more
    with CaptureQueriesContext(connection) as before:
        html = client.post(search, {"q": registration.person.name}).content.decode()
    assert "有待处理的注销提议" not in html
    with_outcome(registration, caseworker_jiefang)
    for name in ("张三丰", "张三石"):
        with_outcome(registered(caseworker_jiefang, name=name), caseworker_jiefang)
    with CaptureQueriesContext(connection) as after:
        html = client.post(search, {"q": "张三"}).content.decode()
    assert html.count(f'<a class="badge" href="{PROPOSALS}">有待处理的注销提议</a>') == 3
    assert len(after) == len(before)


def test_the_batch_list_links_each_batch_to_its_exit_page_under_the_proposal_column_names(
    client, registration, ops_jiaozuo
):
    batch = exit_import(file=csv_file([pension_row(registration)]), kind="exit_pension", user=ops_jiaozuo)
    client.force_login(ops_jiaozuo)
    html = client.get(IMPORTS).content.decode()
    assert 'id="exit-import-batches"' in html
    assert f'href="{reverse("deregistration:import_detail", args=[batch.pk])}"' in html
    assert '<th scope="col">新增提议</th>' in html and '<th scope="col">未提议</th>' in html


def test_a_batch_of_a_file_imported_before_links_to_the_earlier_batch(client, registration, ops_jiaozuo):
    rows = [pension_row(registration)]
    first = exit_import(file=csv_file(rows), kind="exit_pension", user=ops_jiaozuo)
    second = exit_import(file=csv_file(rows), kind="exit_pension", user=ops_jiaozuo)
    ImportBatch.objects.filter(pk=first.pk).update(created_at=second.created_at - timedelta(hours=1))
    client.force_login(ops_jiaozuo)
    first_url = reverse("deregistration:import_detail", args=[first.pk])
    html = client.get(reverse("deregistration:import_detail", args=[second.pk])).content.decode()
    assert "同一文件此前已于" in html and "已提议的事件未重复提议" in html and f'href="{first_url}"' in html
    assert "名单.csv" in html and 'id="batch-status"' in html
    assert "同一文件此前已于" not in client.get(first_url).content.decode()
