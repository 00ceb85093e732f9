"""The protocol end to end: the HTTP transport against the simulator process over real HTTP."""

from __future__ import annotations

import time
from datetime import date

import pytest
import requests

from national_sync import protocol
from national_sync.transport import HttpTransport, PlatformError

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def record(serial: str = "TC2026112000000001", **changes) -> dict[str, str]:
    today = f"{date.today():%Y%m%d}"
    values = {
        "AAB301": "410802",
        "AAZ341": serial,
        "AAC003": "张三",
        "AAC002": ID,
        "AAC058": "01",
        "AAC044": ID,
        "ADC210": today,
        "AJC00A": "11",
        "AAE011": "李经办",
        "AAE036": today,
        "AAE013": "",
    }
    values.update(changes)
    return values


def test_it_accepts_a_record_once_and_answers_a_repeat_already_received_with_the_first_receipt(
    transport, simulator
):
    (first,) = transport.send_exits(batch_id="b-1", records=[record()])
    assert first.result == protocol.ACCEPTED and first.receipt
    (again,) = transport.send_exits(batch_id="b-2", records=[record()])
    assert (again.result, again.receipt) == (protocol.ALREADY_RECEIVED, first.receipt)
    assert simulator.received() == 1


def test_it_replays_the_answer_of_a_repeated_batch_id_and_refuses_it_for_other_records(transport, simulator):
    first = transport.send_exits(batch_id="b-1", records=[record()])
    assert transport.send_exits(batch_id="b-1", records=[record()]) == first
    with pytest.raises(PlatformError) as exc:
        transport.send_exits(batch_id="b-1", records=[record("TC2026112000000002")])
    assert (exc.value.status, exc.value.code, exc.value.transient) == (409, "IDEMPOTENCY_CONFLICT", False)
    assert simulator.received() == 1


def test_it_rejects_a_record_breaking_a_rule_with_the_reason_and_takes_the_others(transport, simulator):
    results = transport.send_exits(
        batch_id="b-1", records=[record(AAC003="张 三"), record("TC2026112000000002")]
    )
    assert [r.result for r in results] == [protocol.REJECTED, protocol.ACCEPTED]
    assert results[0].errors == [{"field": "AAC003", "message": "AAC003（姓名）不能含有半角或全角空格"}]
    assert simulator.received() == 1


def test_it_refuses_a_wrong_signature_without_retrying(simulator):
    bad = HttpTransport(secret="wrong")
    with pytest.raises(PlatformError) as exc:
        bad.send_exits(batch_id="b-1", records=[record()])
    assert (exc.value.status, exc.value.transient) == (401, False)
    assert simulator.received() == 0


def test_it_refuses_a_record_without_the_eleven_fields(transport):
    incomplete = record()
    del incomplete["AAE013"]
    with pytest.raises(PlatformError) as exc:
        transport.send_exits(batch_id="b-1", records=[incomplete])
    assert (exc.value.status, exc.value.code) == (400, "BAD_REQUEST")


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_the_client_retries_the_transient_statuses_with_the_same_batch(status, transport, simulator):
    simulator.arm(fail=[{"status": status}, {"status": status}])
    (result,) = transport.send_exits(batch_id="b-1", records=[record()])
    assert result.result == protocol.ACCEPTED
    assert simulator.state()["faults"]["fail"] == []


def test_the_client_does_not_retry_a_500(transport, simulator):
    simulator.arm(fail=[{"status": 500}])
    with pytest.raises(PlatformError) as exc:
        transport.send_exits(batch_id="b-1", records=[record()])
    assert (exc.value.status, exc.value.transient) == (500, False)
    assert simulator.received() == 0


def test_the_client_gives_up_after_its_attempts_and_says_it_is_transient(transport, simulator):
    simulator.arm(fail=[{"status": 503}] * 4)
    with pytest.raises(PlatformError) as exc:
        transport.send_exits(batch_id="b-1", records=[record()])
    assert (exc.value.status, exc.value.transient) == (503, True)


def test_a_timed_out_batch_processed_late_is_received_once(simulator, settings):
    settings.NATIONAL_SYNC_READ_TIMEOUT = 0.5
    simulator.arm(fail=[{"timeout": 1.5}])
    (result,) = HttpTransport().send_exits(batch_id="b-1", records=[record()])
    assert result.acknowledged
    time.sleep(1.5)  # the first request is processed after the client gave up on it: a replay of the batch
    assert simulator.received() == 1


@pytest.mark.parametrize("after_processing", [False, True])
def test_a_dropped_connection_is_retried_and_the_record_received_once(after_processing, transport, simulator):
    simulator.arm(fail=[{"drop": True, "after_processing": after_processing}])
    (result,) = transport.send_exits(batch_id="b-1", records=[record()])
    assert result.acknowledged
    assert simulator.received() == 1


def test_it_rejects_a_record_named_in_the_fault_with_the_reason_until_cleared(transport, simulator):
    simulator.arm(reject={"TC2026112000000001": "平台拒收：测试"})
    (result,) = transport.send_exits(batch_id="b-1", records=[record()])
    assert (result.result, result.errors) == (
        protocol.REJECTED,
        [{"field": "AAZ341", "message": "平台拒收：测试"}],
    )
    simulator.arm(unreject=["TC2026112000000001"])
    (result,) = transport.send_exits(batch_id="b-2", records=[record()])
    assert result.result == protocol.ACCEPTED


def test_it_can_acknowledge_every_record_twice(transport, simulator):
    simulator.arm(duplicate_acks=1)
    results = transport.send_exits(batch_id="b-1", records=[record()])
    assert [r.result for r in results] == [protocol.ACCEPTED, protocol.ACCEPTED]


def test_its_page_shows_what_it_holds_with_masked_numbers(transport, simulator):
    transport.send_exits(batch_id="b-1", records=[record()])
    page = requests.get(simulator.url + "/", timeout=5).text
    assert "TC2026112000000001" in page and "张三" in page
    assert ID not in page and "110**************X" in page


def test_the_health_check_says_ok(transport):
    assert transport.health()["ok"] is True


def test_health_says_not_ok_when_nothing_listens():
    assert HttpTransport(base_url="http://127.0.0.1:9/api/v1", connect_timeout=0.5).health()["ok"] is False
