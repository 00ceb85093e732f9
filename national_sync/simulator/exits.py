"""The simulator's 失业登记退出信息上传: ``POST /deregistrations/batches`` (docs/ministry-protocol.md).

Stores: ``deregistrations`` (one entry per received business key AAB301+AAZ341, with its receipt, batch and
record) and ``exit_batches`` (each batch's answer by batch id, replayed for a repeated id). Records are
validated with ``national_sync.records.validate_record`` (the record carries no AAC004, so the sex match is the
sending side's check); records named in the ``reject`` fault are rejected with the reason given.
"""

from __future__ import annotations

import hashlib
import html
import json
from datetime import datetime

from common.privacy import mask_document_number

from .. import protocol
from ..records import FIELDS, errors_as_data, validate_record
from .core import SHANGHAI, Request, Response, Simulator, error, now_text

RECEIVED = "deregistrations"
BATCHES = "exit_batches"


def register(sim: Simulator) -> None:
    sim.store(RECEIVED)
    sim.store(BATCHES)
    sim.route("POST", protocol.EXIT_BATCHES, handle_batch)
    sim.page_sections.append(page_section)


def _key(record: dict) -> str:
    region, serial = protocol.business_key(record)
    return f"{region}/{serial}"


def _shape_error(data: object) -> str | None:
    if not isinstance(data, dict):
        return "body is not an object"
    batch_id = data.get("batch_id")
    if not isinstance(batch_id, str) or not 1 <= len(batch_id) <= 64:
        return "batch_id must be a string of 1 to 64 characters"
    records = data.get("records")
    if not isinstance(records, list) or not records:
        return "records must be a non-empty list"
    for i, record in enumerate(records):
        if not isinstance(record, dict) or set(record) != set(FIELDS):
            return f"records[{i}] must have exactly the fields {', '.join(FIELDS)}"
        if not all(isinstance(v, str) for v in record.values()):
            return f"records[{i}]: every value must be a string"
    return None


def handle_batch(sim: Simulator, request: Request) -> Response:
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        return error(400, protocol.ERROR_BAD_REQUEST, "body is not JSON")
    problem = _shape_error(data)
    if problem:
        return error(400, protocol.ERROR_BAD_REQUEST, problem)
    if request.headers.get("Idempotency-Key", data["batch_id"]) != data["batch_id"]:
        return error(400, protocol.ERROR_BAD_REQUEST, "Idempotency-Key differs from batch_id")
    records = data["records"]
    if len(records) > protocol.MAX_BATCH_RECORDS:
        return error(413, protocol.ERROR_TOO_LARGE, f"at most {protocol.MAX_BATCH_RECORDS} records")
    digest = hashlib.sha256(json.dumps(records, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    received, batches = sim.store(RECEIVED), sim.store(BATCHES)
    sim.count("exit records submitted", len(records))
    previous = batches.get(data["batch_id"])
    if previous is not None:
        if previous["digest"] != digest:
            return error(409, protocol.ERROR_IDEMPOTENCY_CONFLICT, "batch_id was used for other records")
        sim.count("exit batches replayed")
        return _answer(sim, previous["answer"])
    today = datetime.now(SHANGHAI).date()
    results = []
    for record in records:
        key = _key(record)
        base = {"AAB301": record["AAB301"], "AAZ341": record["AAZ341"]}
        seen = received.get(key)
        if seen is not None:
            results.append({**base, "result": protocol.ALREADY_RECEIVED, "receipt": seen["receipt"]})
            continue
        reason = sim.faults.reject.get(record["AAZ341"])
        errors = (
            [{"field": "AAZ341", "message": reason}]
            if reason
            else errors_as_data(validate_record(record, today=today, sex=None))
        )
        if errors:
            results.append({**base, "result": protocol.REJECTED, "errors": errors})
            continue
        receipt = f"MOHRSS{len(received) + 1:012d}"
        received.add(
            key,
            {"receipt": receipt, "received_at": now_text(), "batch_id": data["batch_id"], "record": record},
        )
        results.append({**base, "result": protocol.ACCEPTED, "receipt": receipt})
    answer = {"batch_id": data["batch_id"], "received_at": now_text(), "results": results}
    batches.add(data["batch_id"], {"digest": digest, "answer": answer})
    received.flush()
    batches.flush()
    return _answer(sim, answer)


def _answer(sim: Simulator, answer: dict) -> Response:
    if sim.faults.duplicate_acks > 0:
        sim.faults.duplicate_acks -= 1
        answer = {**answer, "results": answer["results"] + answer["results"]}
    return Response(200, answer)


def page_section(sim: Simulator) -> str:
    received = sim.store(RECEIVED)
    rows = []
    for entry in received.latest(50):
        r = entry["record"]
        cells = [
            entry["receipt"],
            entry["received_at"],
            r["AAB301"],
            r["AAZ341"],
            r["AAC003"],
            mask_document_number(r["AAC002"]),
            r["AJC00A"],
            r["ADC210"],
            r["AAE036"],
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in ("回执", "接收时间", "AAB301", "AAZ341", "AAC003", "AAC002", "AJC00A", "ADC210", "AAE036")
    )
    return (
        f"<h2>失业登记退出信息（共 {len(received)} 条，最近 50 条）</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
