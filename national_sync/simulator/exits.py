"""The simulator's 失业登记退出信息上传: ``POST /deregistrations/batches`` (docs/ministry-protocol.md).

Stores: ``deregistrations`` (one entry per received business key AAB301+AAZ341, with its receipt, batch and
record) and ``exit_batches`` (each batch's answer by batch id, replayed for a repeated id). Records are
validated with ``national_sync.records.validate_record`` (the record carries no AAC004, so the sex match is the
sending side's check); records named in the ``reject`` fault are rejected with the reason given.
"""

from __future__ import annotations

import html
from datetime import datetime

from common.privacy import mask_document_number

from .. import protocol
from ..records import FIELDS, validate_record
from . import batches as batch_endpoint
from .core import SHANGHAI, Request, Response, Simulator

RECEIVED = "deregistrations"
BATCHES = "exit_batches"


def register(sim: Simulator) -> None:
    sim.store(RECEIVED)
    sim.store(BATCHES)
    sim.route("POST", protocol.EXIT_BATCHES, handle_batch)
    sim.page_sections.append(page_section)


def handle_batch(sim: Simulator, request: Request) -> Response:
    today = datetime.now(SHANGHAI).date()
    received = sim.store(RECEIVED)
    return batch_endpoint.handle_batch(
        sim,
        request,
        fields=FIELDS,
        key_fields=("AAB301", "AAZ341"),  # protocol.business_key
        received_name=RECEIVED,
        batches_name=BATCHES,
        check=lambda record: validate_record(record, today=today, sex=None),
        receipt=lambda: f"MOHRSS{len(received) + 1:012d}",
        label="exit records",
        reject_fields=("AAZ341",),  # the exit platform's ``reject`` fault names a serial
        replayed_counter="exit batches replayed",
    )


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
