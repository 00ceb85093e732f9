"""The simulator's national platform exchange (docs/ministry-protocol.md, "National applications", "Decisions",
"Local registrations"):

- ``GET /national/applications?cursor=C&limit=N``: the queue of national applications after the cursor (the
  sequence number of the last one delivered; "" from the start);
- ``POST /national/decisions/batches``: decisions, taken once by QGSQBH (a decision on an application the queue
  never held is rejected);
- ``POST /registrations/batches``: local registrations, taken once by AAB301 + DJBH;
- ``POST /_control/national/applications`` (unsigned, loopback): queue applications, given
  (``{"applications": [{…}]}``, each once by QGSQBH) or made up (``{"generate": N, "region": "410802"}``: valid
  people with new citizen IDs); ``manage.py seed_national_applications`` calls it.

Signed, with the faults of ``core`` (5xx, timeouts, drops, duplicate acknowledgements; ``reject`` names a
QGSQBH or a DJBH here), batch replay by batch id, validation with ``national_sync.local_records``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from common.privacy import mask_document_number
from registration.idnumbers import check_character

from .. import protocol
from ..exchange import DECISION_BATCHES, MAX_PAGE, NATIONAL_APPLICATIONS, REGISTRATION_BATCHES
from ..local_records import (
    DECISION_FIELDS,
    DECISION_KEY,
    REGISTRATION_FIELDS,
    REGISTRATION_KEY,
    validate_decision_record,
    validate_registration_record,
)
from ..records import RecordError
from . import batches as batch_endpoint
from .core import SHANGHAI, Request, Response, Simulator, error, now_text

QUEUE = "national_applications"
DECISIONS = "national_decisions"
DECISION_BATCH_STORE = "national_decision_batches"
REGISTRATIONS = "local_registrations"
REGISTRATION_BATCH_STORE = "local_registration_batches"
UNKNOWN_APPLICATION = "QGSQBH（全国平台申请编号）全国平台无此申请"
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴昊")


def register(sim: Simulator) -> None:
    for name in (QUEUE, DECISIONS, DECISION_BATCH_STORE, REGISTRATIONS, REGISTRATION_BATCH_STORE):
        sim.store(name)
    sim.route("GET", NATIONAL_APPLICATIONS, handle_pull)
    sim.route("POST", DECISION_BATCHES, handle_decisions)
    sim.route("POST", REGISTRATION_BATCHES, handle_registrations)
    sim.control("POST", "/_control/national/applications", handle_seed)
    sim.page_sections.append(page_section)


# ---- the queue ----------------------------------------------------------------------------------------
def queue_application(sim: Simulator, record: dict) -> bool:
    """Queue one national application (once by QGSQBH); True when it is new."""
    queue = sim.store(QUEUE)
    number = str(record.get("QGSQBH") or "")
    if not number or number in queue:
        return False
    queue.add(number, {"seq": len(queue) + 1, "queued_at": now_text(), "record": record})
    return True


def made_up_application(sim: Simulator, *, region: str, seq: int) -> dict[str, str]:
    """A valid national application of a new person (a citizen ID of ``region``'s code, one per ``seq``)."""
    now = datetime.now(SHANGHAI)
    born = date(1980, 1, 1) + timedelta(days=seq // 1000)
    first17 = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    id_number = first17 + check_character(first17)
    return {
        "QGSQBH": f"QG{now:%Y%m%d%H%M%S}{seq:06d}",
        "SQSJ": now.isoformat(timespec="seconds"),
        "AAB301": region,
        "DJDLX": "2",
        "AAC058": "01",
        "AAC044": id_number,
        "AAC003": NAMES[seq % len(NAMES)],
        "AAE005": f"1390000{seq % 10000:04d}",
        "AAE006": "",
        "AJC093": "",
        "CNBZ": "1",
    }


def handle_seed(sim: Simulator, request: Request) -> Response:
    try:
        data = request.json() if request.body else {}
    except (ValueError, UnicodeDecodeError):
        return error(400, protocol.ERROR_BAD_REQUEST, "body is not JSON")
    given = data.get("applications") or []
    if not isinstance(given, list) or not all(isinstance(r, dict) for r in given):
        return error(400, protocol.ERROR_BAD_REQUEST, "applications must be a list of objects")
    try:
        generate = int(data.get("generate") or 0)
    except (TypeError, ValueError):
        return error(400, protocol.ERROR_BAD_REQUEST, "generate must be a number")
    if not 0 <= generate <= 100_000:
        return error(400, protocol.ERROR_BAD_REQUEST, "generate must be between 0 and 100000")
    records = list(given)
    start = len(sim.store(QUEUE))
    region = str(data.get("region") or "410802")
    records += [made_up_application(sim, region=region, seq=start + i + 1) for i in range(generate)]
    queued = sum(queue_application(sim, record) for record in records)
    sim.store(QUEUE).flush()
    return Response(200, {"queued": queued, "already": len(records) - queued, "total": len(sim.store(QUEUE))})


def handle_pull(sim: Simulator, request: Request) -> Response:
    cursor = (request.query.get("cursor") or [""])[0]
    try:
        after = int(cursor) if cursor else 0
        limit = max(1, min(int((request.query.get("limit") or ["100"])[0]), MAX_PAGE))
    except ValueError:
        return error(400, protocol.ERROR_BAD_REQUEST, "cursor and limit must be numbers")
    entries = [e for e in sim.store(QUEUE).entries.values() if e["seq"] > after]
    page = entries[:limit]
    sim.count("national applications delivered", len(page))
    return Response(
        200,
        {
            "applications": [e["record"] for e in page],
            "next_cursor": str(page[-1]["seq"]) if page else cursor,
            "has_more": len(entries) > limit,
        },
    )


# ---- batches of records ---------------------------------------------------------------------------------
def _receipt(sim: Simulator, letter: str) -> str:
    """The next receipt: one numbering for decisions and registrations, a letter for the kind."""
    return f"QGPT{letter}{sum(len(sim.store(n)) for n in (DECISIONS, REGISTRATIONS)) + 1:011d}"


def handle_decisions(sim: Simulator, request: Request) -> Response:
    queue = sim.store(QUEUE)

    def check(record: dict) -> list[RecordError]:
        if record["QGSQBH"] not in queue:
            return [RecordError("QGSQBH", UNKNOWN_APPLICATION)]
        return validate_decision_record(record, today=datetime.now(SHANGHAI).date())

    return batch_endpoint.handle_batch(
        sim,
        request,
        fields=list(DECISION_FIELDS),
        key_fields=DECISION_KEY,
        received_name=DECISIONS,
        batches_name=DECISION_BATCH_STORE,
        check=check,
        receipt=lambda: _receipt(sim, "D"),
        label="decision records",
    )


def handle_registrations(sim: Simulator, request: Request) -> Response:
    return batch_endpoint.handle_batch(
        sim,
        request,
        fields=list(REGISTRATION_FIELDS),
        key_fields=REGISTRATION_KEY,
        received_name=REGISTRATIONS,
        batches_name=REGISTRATION_BATCH_STORE,
        check=lambda record: validate_registration_record(record, today=datetime.now(SHANGHAI).date()),
        receipt=lambda: _receipt(sim, "R"),
        label="registration records",
    )


# ---- the page -----------------------------------------------------------------------------------------
def _table(title: str, head: Sequence[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h2>{html.escape(title)}</h2><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def page_section(sim: Simulator) -> str:
    queue, decisions, registrations = sim.store(QUEUE), sim.store(DECISIONS), sim.store(REGISTRATIONS)
    return (
        _table(
            f"全国平台申请队列（共 {len(queue)} 条，最近 20 条）",
            ("序号", "QGSQBH", "SQSJ", "AAB301", "AAC003", "AAC044"),
            [
                [
                    str(e["seq"]),
                    e["key"],
                    str(e["record"].get("SQSJ", "")),
                    str(e["record"].get("AAB301", "")),
                    str(e["record"].get("AAC003", "")),
                    mask_document_number(str(e["record"].get("AAC044", ""))),
                ]
                for e in queue.latest(20)
            ],
        )
        + _table(
            f"办理结果（共 {len(decisions)} 条，最近 20 条）",
            ("回执", "接收时间", "QGSQBH", "BLJG", "BYDJYY", "DJBH"),
            [
                [
                    e["receipt"],
                    e["received_at"],
                    e["record"]["QGSQBH"],
                    e["record"]["BLJG"],
                    e["record"]["BYDJYY"],
                    e["record"]["DJBH"],
                ]
                for e in decisions.latest(20)
            ],
        )
        + _table(
            f"本地失业登记（共 {len(registrations)} 条，最近 20 条）",
            ("回执", "接收时间", "AAB301", "DJBH", "AAC003", "AAC044", "DJQD", "DJRQ"),
            [
                [
                    e["receipt"],
                    e["received_at"],
                    e["record"]["AAB301"],
                    e["record"]["DJBH"],
                    e["record"]["AAC003"],
                    mask_document_number(e["record"]["AAC044"]),
                    e["record"]["DJQD"],
                    e["record"]["DJRQ"],
                ]
                for e in registrations.latest(20)
            ],
        )
    )
