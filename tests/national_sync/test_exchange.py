"""The national platform exchange against the simulator over real HTTP: national applications pulled once each
(also pulled twice, and by two pulls at once), rows that cannot be taken parked with their reason and retried,
decisions and local registrations uploaded once while the platform fails the first attempts, the backfill."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
import requests
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from national_sync.applications import (
    NOT_OPS,
    applications_pull,
    national_application_retry,
    national_application_take,
)
from national_sync.exchange_models import ExchangeCursor, NationalApplication, NationalPush
from national_sync.local_records import (
    CHANNEL_COUNTER,
    CHANNEL_EDUCATION,
    RESULT_REGISTERED,
    RESULT_REJECTED,
    build_decision_record,
    build_registration_record,
    validate_decision_record,
    validate_registration_record,
)
from national_sync.pushes import push_records, push_resend
from offices.roles import Role
from registration.models import Application, Registration, RejectionReason
from registration.services import application_register, application_reject, application_withdraw
from tests.conftest import make_staff
from tests.followup.factories import SH
from tests.followup.factories import registered as registered_now
from tests.registration.factories import citizen_id, person_data, submit
from workdays.calendar import deadline_at

from .factories import TODAY

pytestmark = pytest.mark.django_db


def seed(simulator, *, applications: list[dict] | None = None, generate: int = 0) -> dict:
    body = {"applications": applications or [], "generate": generate}
    return requests.post(simulator.url + "/_control/national/applications", json=body, timeout=5).json()


def national(number: str, *, region: str = "410802", id_number: str | None = None, **fields) -> dict:
    """A national application record as the platform sends it (valid unless overridden)."""
    record = {
        "QGSQBH": number,
        "SQSJ": "2026-11-20T09:15:00+08:00",
        "AAB301": region,
        "DJDLX": "2",
        "AAC058": "01",
        "AAC044": id_number or citizen_id(),
        "AAC003": "钱多",
        "AAE005": "13900000001",
        "AAE006": "",
        "AJC093": "",
        "CNBZ": "1",
    }
    record.update(fields)
    return record


def counter(simulator, name: str) -> int:
    return simulator.state()["counters"].get(name, 0)


def stored(simulator, store: str) -> int:
    return int(simulator.state()["stores"].get(store, 0))


# ---- pull ------------------------------------------------------------------------------------------
def test_national_applications_pulled_twice_create_one_application_each(office_jiefang, simulator):
    assert seed(simulator, generate=3)["queued"] == 3
    first = applications_pull(page_size=2)
    assert (first["taken"], first["parked"], first["pages"]) == (3, 0, 2)
    apps = Application.objects.filter(channel=Application.Channel.NATIONAL)
    assert apps.count() == 3 and all(a.national_application_number for a in apps)
    assert NationalApplication.objects.filter(status=NationalApplication.Status.TAKEN).count() == 3
    assert applications_pull()["taken"] == 0  # the cursor has moved past them
    ExchangeCursor.objects.update(value="")  # the platform serves them again from the start
    again = applications_pull()
    assert (again["taken"], again["already"]) == (0, 3)
    assert Application.objects.filter(channel=Application.Channel.NATIONAL).count() == 3


def test_the_3_working_day_clock_runs_from_the_platforms_submission_time(office_jiefang, simulator):
    seed(simulator, applications=[national("QG0001")])
    applications_pull()
    application = Application.objects.get(national_application_number="QG0001")
    submitted = datetime(2026, 11, 20, 9, 15, tzinfo=SH)
    assert application.submitted_at == submitted
    assert application.due_at == deadline_at(submitted, 3)
    assert application.received_by is None and application.channel == Application.Channel.NATIONAL
    assert application.verifications.exists()  # the normal comparison check ran


def test_the_cursor_is_not_advanced_when_the_platform_cannot_be_reached(office_jiefang, simulator, settings):
    seed(simulator, generate=2)
    settings.NATIONAL_SYNC_MAX_ATTEMPTS = 2
    simulator.arm(fail=[{"status": 503}, {"drop": True}])
    counts = applications_pull()
    assert "platform_error" in counts and counts["taken"] == 0
    assert ExchangeCursor.objects.get().value == ""
    assert applications_pull()["taken"] == 2


@pytest.mark.usefixtures("committed_db")
def test_two_pulls_at_once_create_one_application_each(simulator):
    from offices.models import Office

    Office.objects.create(code="T410802", name="解放区公共就业服务中心", region_id="410802")
    seed(simulator, generate=12)
    barrier = threading.Barrier(2)
    results: list[dict] = []

    def pull() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(applications_pull(page_size=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=pull) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 2
    assert sum(r["taken"] for r in results) == 12
    assert Application.objects.filter(channel=Application.Channel.NATIONAL).count() == 12
    assert NationalApplication.objects.count() == 12
    assert ExchangeCursor.objects.get().value == "12"


# ---- parked rows -----------------------------------------------------------------------------------
def test_rows_that_cannot_be_taken_are_parked_with_their_reason_never_dropped(office_jiefang, simulator):
    good = citizen_id()
    bad_id = good[:17] + ("0" if good[17] != "0" else "1")
    seed(
        simulator,
        applications=[
            national("QG-NO-OFFICE", region="110105", id_number=citizen_id(region="110105")),
            national("QG-BAD-ID", id_number=bad_id),
            national("QG-UNKNOWN-REGION", region="999999"),
            national("QG-NO-COMMITMENT", CNBZ="0"),
            national("QG-GOOD"),
        ],
    )
    counts = applications_pull()
    assert (counts["taken"], counts["parked"]) == (1, 4)
    parked = {row.number: row for row in NationalApplication.objects.filter(status="parked")}
    assert len(parked) == 4
    assert "AAB301" in parked["QG-NO-OFFICE"].reason and "公共就业服务机构" in parked["QG-NO-OFFICE"].reason
    assert parked["QG-BAD-ID"].reason.startswith("AAC044（证件号码）")
    assert "999999" in parked["QG-UNKNOWN-REGION"].reason
    assert "CNBZ" in parked["QG-NO-COMMITMENT"].reason
    assert not Application.objects.filter(national_application_number__startswith="QG-NO").exists()
    ExchangeCursor.objects.update(value="")
    assert applications_pull()["already"] == 5  # a parked row pulled again stays one row


def test_a_row_without_a_number_is_parked_once_keyed_by_its_content(office_jiefang):
    item = {"AAB301": "410802", "AAC003": "无编号"}
    assert national_application_take(item=item) == "parked"
    assert national_application_take(item=dict(item)) == "already"
    row = NationalApplication.objects.get()
    assert row.number.startswith("（无编号）") and "QGSQBH" in row.reason


def test_a_parked_number_sent_again_with_a_corrected_record_is_taken_then(office_jiefang):
    item = national("QG-FIX", CNBZ="0")
    assert national_application_take(item=item) == "parked"
    assert national_application_take(item=dict(item)) == "already"  # the same record: nothing new
    assert national_application_take(item={**item, "CNBZ": "1"}) == "taken"
    row = NationalApplication.objects.get(number="QG-FIX")
    assert row.status == "taken" and row.attempts == 2
    assert national_application_take(item={**item, "AAC003": "别人"}) == "already"  # taken: never again
    assert Application.objects.filter(national_application_number="QG-FIX").count() == 1


def test_a_row_arriving_before_the_calendar_is_loaded_is_parked_not_guessed(office_jiefang):
    with time_machine.travel(datetime(2026, 12, 30, 10, tzinfo=SH), tick=False):
        outcome = national_application_take(item=national("QG-2027", SQSJ="2026-12-30T09:00:00+08:00"))
    assert outcome == "parked"
    row = NationalApplication.objects.get(number="QG-2027")
    assert "2027" in row.reason and row.application is None


def test_a_parked_row_is_taken_when_ops_retry_it_after_the_cause_is_fixed(
    caseworker_jiefang, ops_jiaozuo, simulator
):
    id_number = citizen_id()
    open_case = submit(user=caseworker_jiefang, person=person_data(id_number=id_number, name="钱多"))
    seed(simulator, applications=[national("QG-DUP", id_number=id_number)])
    assert applications_pull()["parked"] == 1
    row = NationalApplication.objects.get(number="QG-DUP")
    assert open_case.number in row.reason  # the person's open application is named
    with pytest.raises(ValidationError):
        national_application_retry(row=row, user=ops_jiaozuo)  # still open: stays parked, attempt counted
    row.refresh_from_db()
    assert row.status == "parked" and row.attempts == 2
    application_withdraw(application=open_case, user=caseworker_jiefang, reason="本人改为在全国平台申请")
    national_application_retry(row=row, user=ops_jiaozuo)
    row.refresh_from_db()
    assert row.status == "taken" and row.application.national_application_number == "QG-DUP"
    assert row.application.submitted_at == datetime(2026, 11, 20, 9, 15, tzinfo=SH)
    with pytest.raises(ValidationError):
        national_application_retry(row=row, user=ops_jiaozuo)  # taken: nothing to retry


def test_only_ops_of_the_rows_region_retry_it(caseworker_jiefang, office_wenxian, simulator):
    seed(simulator, applications=[national("QG-X", CNBZ="0")])
    applications_pull()
    row = NationalApplication.objects.get(number="QG-X")
    with pytest.raises(PermissionDenied, match=str(NOT_OPS)):
        national_application_retry(row=row, user=caseworker_jiefang)
    ops_wenxian = make_staff("ops_wenxian", office_wenxian, Role.OPS)
    with pytest.raises(PermissionDenied):
        national_application_retry(row=row, user=ops_wenxian)


# ---- pushes ----------------------------------------------------------------------------------------
def _decided_national_applications(caseworker, simulator) -> tuple[Application, Application]:
    seed(simulator, applications=[national("QG-REG"), national("QG-REJ", AAC003="孙七")])
    applications_pull()
    registered_app = Application.objects.get(national_application_number="QG-REG")
    application_register(application=registered_app, user=caseworker)
    rejected_app = Application.objects.get(national_application_number="QG-REJ")
    application_reject(application=rejected_app, user=caseworker, reason=RejectionReason.NO_JOB_SEEKING)
    return registered_app, rejected_app


def test_decisions_and_local_registrations_are_uploaded_once_while_the_platform_fails_the_first_attempts(
    caseworker_jiefang, simulator, settings
):
    _decided_national_applications(caseworker_jiefang, simulator)
    counter_registration = registered_now(caseworker_jiefang)
    online = submit(channel=Application.Channel.ONLINE, person=person_data(name="周八"))
    online_registration = application_register(application=online, user=caseworker_jiefang)
    settings.NATIONAL_SYNC_READ_TIMEOUT = 0.5
    simulator.arm(
        fail=[{"status": 503}, {"timeout": 1.0}, {"drop": True, "after_processing": True}, {"status": 502}]
    )
    first = push_records()
    assert "platform_error" in first
    assert (first["decision_opened"], first["registration_opened"]) == (2, 2)  # not the national one
    assert set(NationalPush.objects.values_list("status", flat=True)) == {NationalPush.Status.PENDING}
    simulator.arm(fail=[{"drop": True}, {"status": 504}], duplicate_acks=2)
    second = push_records()
    assert "platform_error" not in second
    assert (second["decision_acknowledged"], second["registration_acknowledged"]) == (2, 2)
    assert set(NationalPush.objects.values_list("status", flat=True)) == {NationalPush.Status.ACKNOWLEDGED}
    assert stored(simulator, "national_decisions") == 2 and stored(simulator, "local_registrations") == 2
    keys = set(NationalPush.objects.filter(kind="registration").values_list("key", flat=True))
    assert keys == {f"410802/{counter_registration.number}", f"410802/{online_registration.number}"}
    third = push_records()
    assert third.get("decision_sent", 0) == third.get("registration_sent", 0) == 0  # each once
    assert stored(simulator, "national_decisions") == 2 and stored(simulator, "local_registrations") == 2


def test_the_decision_records_say_registered_with_the_number_or_rejected_with_the_reason(
    caseworker_jiefang, simulator
):
    registered_app, rejected_app = _decided_national_applications(caseworker_jiefang, simulator)
    registered_app.refresh_from_db()
    rejected_app.refresh_from_db()
    reg = build_decision_record(registered_app)
    assert reg["BLJG"] == RESULT_REGISTERED and reg["DJBH"] == registered_app.registration.number
    rej = build_decision_record(rejected_app)
    assert rej["BLJG"] == RESULT_REJECTED and rej["BYDJYY"] == RejectionReason.NO_JOB_SEEKING
    assert rej["DJBH"] == "" and rej["AAE011"] == "李经办" and rej["QGSQBH"] == "QG-REJ"
    assert validate_decision_record(reg, today=TODAY.replace(month=12)) == []
    assert push_records()["decision_acknowledged"] == 2


def test_a_record_rejected_by_the_platform_keeps_its_reason_and_is_resent_after_the_fix(
    caseworker_jiefang, ops_jiaozuo, simulator
):
    registration = registered_now(caseworker_jiefang)
    simulator.arm(reject={registration.number: "登记编号与全国平台已有记录冲突"})
    push_records()
    push = NationalPush.objects.get(registration=registration)
    assert push.status == NationalPush.Status.REJECTED and "冲突" in push.last_error
    simulator.arm(unreject=[registration.number])
    push_resend(push=push, user=ops_jiaozuo)
    assert push_records()["registration_acknowledged"] == 1
    push.refresh_from_db()
    assert push.status == NationalPush.Status.ACKNOWLEDGED and push.receipt


def test_a_registration_in_a_locally_assigned_region_is_never_sent(caseworker_jiefang, simulator):
    from offices.models import Region

    Region.objects.create(code="410871", name="城乡一体化示范区", level=3, parent_id="410800", is_local=True)
    registration = registered_now(caseworker_jiefang)
    Registration.objects.filter(pk=registration.pk).update(region_id="410871")
    counts = push_records()
    push = NationalPush.objects.get(registration=registration)
    assert push.status == NationalPush.Status.INVALID and "410871" in push.last_error
    assert counts["registration_invalid"] == 1 and stored(simulator, "local_registrations") == 0


def test_the_regular_push_looks_two_days_back_and_the_backfill_sends_every_registration(
    caseworker_jiefang, simulator
):
    from tests.deregistration.factories import registered as registered_in_march

    old = registered_in_march(caseworker_jiefang)
    assert push_records()["registration_opened"] == 0
    counts = push_records(backfill=True)
    assert counts["registration_opened"] == 1 and counts["registration_acknowledged"] == 1
    assert NationalPush.objects.get(registration=old).day == date(2026, 3, 2)
    assert push_records(backfill=True)["registration_opened"] == 0


def test_the_backfill_command_runs_the_push_job(caseworker_jiefang, simulator):
    from django.core.management import call_command

    from tests.deregistration.factories import registered as registered_in_march

    registered_in_march(caseworker_jiefang)
    call_command("push_registrations", "--backfill")
    assert NationalPush.objects.get().status == NationalPush.Status.ACKNOWLEDGED


# ---- records ---------------------------------------------------------------------------------------
def test_a_local_registration_record_carries_its_channel(caseworker_jiefang):
    registration = registered_now(caseworker_jiefang)
    record = build_registration_record(registration)
    assert record["DJQD"] == CHANNEL_COUNTER and record["DJBH"] == registration.number
    assert validate_registration_record(record, today=TODAY.replace(month=12)) == []
    registration.source = Registration.Source.HANDED_OVER
    assert build_registration_record(registration)["DJQD"] == CHANNEL_EDUCATION


def test_a_decision_record_breaking_a_rule_names_the_field():
    record = {
        "QGSQBH": "QG1",
        "AAB301": "410802",
        "BLJG": RESULT_REJECTED,
        "BYDJYY": "",
        "BLSM": "",
        "DJBH": "",
        "AAE011": "李 经办",
        "AAE036": "20991231",
    }
    fields = {e.field for e in validate_decision_record(record, today=TODAY)}
    assert fields == {"BYDJYY", "AAE011", "AAE036"}


def test_the_pull_job_runs_under_the_kits_lock_and_records_its_counts(office_jiefang, simulator):
    from common.jobs import registered_jobs, run_job
    from common.models import JobRun
    from national_sync.jobs import PULL_APPLICATIONS, PUSH_RECORDS

    assert registered_jobs()[PULL_APPLICATIONS].schedule_text == "every 10 minutes"
    assert registered_jobs()[PUSH_RECORDS].schedule_text == "every 10 minutes"
    seed(simulator, generate=2)
    run = run_job(PULL_APPLICATIONS, trigger=JobRun.Trigger.COMMAND)
    assert run is not None and run.status == JobRun.Status.SUCCEEDED and run.counts["taken"] == 2


def test_the_simulator_page_shows_the_national_queue_with_masked_numbers(simulator):
    id_number = citizen_id(seq=777)
    seed(simulator, applications=[national("QG-PAGE", id_number=id_number)])
    page = requests.get(simulator.url + "/", timeout=5).text
    assert "全国平台申请队列（共 1 条" in page and "QG-PAGE" in page
    assert id_number not in page


def test_the_simulator_refuses_an_unsigned_pull_and_a_malformed_seed(simulator):
    assert requests.get(simulator.url + "/api/v1/national/applications", timeout=5).status_code == 401
    bad = requests.post(
        simulator.url + "/_control/national/applications", json={"applications": "x"}, timeout=5
    )
    assert bad.status_code == 400


def test_an_unconfigured_platform_is_said_and_costs_no_attempt(caseworker_jiefang, settings):
    settings.NATIONAL_SYNC_BASE_URL = ""
    registered_now(caseworker_jiefang)
    counts = push_records()
    assert counts["not_configured"] is True
    push = NationalPush.objects.get()
    assert push.status == NationalPush.Status.PENDING and push.attempts == 0
    assert applications_pull()["not_configured"] is True


def test_the_persons_timeline_shows_the_national_application_and_what_the_platform_received(
    caseworker_jiefang, simulator, client
):
    from django.urls import reverse

    registered_app, _rejected = _decided_national_applications(caseworker_jiefang, simulator)
    push_records()
    client.force_login(caseworker_jiefang)
    page = client.get(
        reverse("registration:person_detail", args=[registered_app.person.code])
    ).content.decode()
    assert "全国平台申请转入" in page and "QG-REG" in page
    assert "办理结果已上传全国平台" in page
    receipt = NationalPush.objects.get(application=registered_app).receipt
    assert receipt in page


def test_the_seed_command_queues_made_up_applications_in_the_running_simulator(simulator):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_national_applications", "--url", simulator.url, "--count", "3", stdout=out)
    assert '"queued": 3' in out.getvalue()
    assert stored(simulator, "national_applications") == 3
    bad = requests.post(simulator.url + "/_control/national/applications", json={"generate": "x"}, timeout=5)
    assert bad.status_code == 400
