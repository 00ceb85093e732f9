"""The simulator's batch endpoint, shared by every exchange that sends records up (``exits``: exit records;
``national``: decisions and local registrations), as docs/ministry-protocol.md describes it once for all:

the body's shape checked (a ``batch_id`` of 1 to 64 characters, equal to the ``Idempotency-Key`` header, and a
non-empty list of records with exactly the exchange's fields, all strings; at most ``MAX_BATCH_RECORDS``); a
batch id seen before replays its answer (409 if it came with other records); each record is taken once by its
business key (a repeat answers "already received" with the first receipt), rejected when a ``reject`` fault
names one of its key values or when the exchange's check finds errors, else accepted with a new receipt.
Not an endpoint module itself (``ENDPOINT_MODULES``): the exchanges call ``handle_batch`` from their routes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from .. import protocol
from ..exchange import result_key
from ..records import RecordError, errors_as_data
from .core import Request, Response, Simulator, error, now_text


def _shape_error(data: object, fields: Sequence[str]) -> str | None:
    if not isinstance(data, dict):
        return "body is not an object"
    batch_id = data.get("batch_id")
    if not isinstance(batch_id, str) or not 1 <= len(batch_id) <= 64:
        return "batch_id must be a string of 1 to 64 characters"
    records = data.get("records")
    if not isinstance(records, list) or not records:
        return "records must be a non-empty list"
    for i, record in enumerate(records):
        if not isinstance(record, dict) or set(record) != set(fields):
            return f"records[{i}] must have exactly the fields {', '.join(fields)}"
        if not all(isinstance(v, str) for v in record.values()):
            return f"records[{i}]: every value must be a string"
    return None


def handle_batch(
    sim: Simulator,
    request: Request,
    *,
    fields: Sequence[str],
    key_fields: Sequence[str],
    received_name: str,
    batches_name: str,
    check: Callable[[dict], list[RecordError]],
    receipt: Callable[[], str],
    label: str,
    reject_fields: Sequence[str] | None = None,
    replayed_counter: str | None = None,
) -> Response:
    """One ``POST …/batches``. ``check`` validates a record as the platform would; ``receipt`` makes the next
    receipt number (each platform numbers its own way); ``label`` names the counters (``"<label> submitted"``).
    ``reject_fields`` are the key fields a ``reject`` fault may name (all of them unless given: the exit
    platform is armed by AAZ341 alone); a rejection names the last key field. ``replayed_counter``, when given,
    counts the batches answered from a replay (the exit platform's status page shows it)."""
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        return error(400, protocol.ERROR_BAD_REQUEST, "body is not JSON")
    problem = _shape_error(data, fields)
    if problem:
        return error(400, protocol.ERROR_BAD_REQUEST, problem)
    if request.headers.get("Idempotency-Key", data["batch_id"]) != data["batch_id"]:
        return error(400, protocol.ERROR_BAD_REQUEST, "Idempotency-Key differs from batch_id")
    records = data["records"]
    if len(records) > protocol.MAX_BATCH_RECORDS:
        return error(413, protocol.ERROR_TOO_LARGE, f"at most {protocol.MAX_BATCH_RECORDS} records")
    digest = hashlib.sha256(json.dumps(records, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    received, batches = sim.store(received_name), sim.store(batches_name)
    sim.count(f"{label} submitted", len(records))
    previous = batches.get(data["batch_id"])
    if previous is not None:
        if previous["digest"] != digest:
            return error(409, protocol.ERROR_IDEMPOTENCY_CONFLICT, "batch_id was used for other records")
        if replayed_counter:
            sim.count(replayed_counter)
        return answer_with_faults(sim, previous["answer"])
    rejectable = reject_fields if reject_fields is not None else key_fields
    results = []
    for record in records:
        key = result_key(record, key_fields)
        base = {code: record[code] for code in key_fields}
        seen = received.get(key)
        if seen is not None:
            results.append({**base, "result": protocol.ALREADY_RECEIVED, "receipt": seen["receipt"]})
            continue
        reason = next(
            (sim.faults.reject[record[c]] for c in rejectable if record[c] in sim.faults.reject), None
        )
        errors = [{"field": key_fields[-1], "message": reason}] if reason else errors_as_data(check(record))
        if errors:
            results.append({**base, "result": protocol.REJECTED, "errors": errors})
            continue
        number = receipt()
        received.add(
            key,
            {"receipt": number, "received_at": now_text(), "batch_id": data["batch_id"], "record": record},
        )
        results.append({**base, "result": protocol.ACCEPTED, "receipt": number})
    answer = {"batch_id": data["batch_id"], "received_at": now_text(), "results": results}
    batches.add(data["batch_id"], {"digest": digest, "answer": answer})
    received.flush()
    batches.flush()
    return answer_with_faults(sim, answer)


def answer_with_faults(sim: Simulator, answer: dict) -> Response:
    """The answer, with every result twice while the ``duplicate_acks`` fault lasts."""
    if sim.faults.duplicate_acks > 0:
        sim.faults.duplicate_acks -= 1
        answer = {**answer, "results": answer["results"] + answer["results"]}
    return Response(200, answer)
