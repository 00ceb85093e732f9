"""Ops imports of stage 3 (issue 10, "Exit proposals"): other departments' lists that propose exits — pension
awards (→ 21), deaths (→ 26), school enrolment or enlistment (→ 24), imprisonment (→ 25).

    batch = exit_import(file=upload, kind=EXIT_KINDS[0], user=request.user, run_now=False)

They run on stage 1's import mechanism (``registration.imports.batches``): the file is checked cheaply in the
request and stored on a queued ``ImportBatch``, and the Celery job of every import (``registration.
process_import_batch``, resumed by ``registration.resume_import_batches``) reads it with ``common.tables`` and
hands its rows here chunk by chunk. The kinds below are registered from this folder (``register_flow`` with their
labels); registration does not know them.

**A row** is the person's citizen ID number (required), name (optional, kept as evidence), the date of the
event (required: the award, the death, the enrolment or enlistment, the committal; not in the future) and the
source or evidence (optional: e.g. the award's document number). A bad number or date is an error of the row;
the good rows are kept.

**Matching** is by the ID number against the ACTIVE registrations held in the importing office's region, in one
statement per chunk of ``CHUNK_ROWS`` rows (``unnest`` of the chunk's arrays joined with people and
registrations, the proposals inserted by the same statement with ``ON CONFLICT DO NOTHING``). A person without
an active registration there is not an error: the row is listed as skipped ("无在册的失业登记"). A row whose event
was already proposed for that registration (the same file imported again, or another file naming the same event)
is skipped too: nothing is proposed twice (``deregistration_exitproposal_once_per_event``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.tables import DATE, TEXT, Column, Row, Table
from registration.imports.batches import (
    ChunkHandler,
    ImportFlow,
    ImportOutcome,
    import_submit,
    register_flow,
)
from registration.imports.cells import cell_citizen_id_key
from registration.models import CITIZEN_ID, ImportBatch, Registration

from .models import PROPOSAL_CODES, ExitProposal, ProposalSource

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHUNK_ROWS = 10_000  # rows matched and inserted by one statement, one committed chunk each

# ImportBatch.kind (≤ 20 characters) → the source of the proposals it makes.
KIND_SOURCES: dict[str, str] = {
    "exit_pension": ProposalSource.PENSION,
    "exit_death": ProposalSource.DEATH,
    "exit_school": ProposalSource.SCHOOL,
    "exit_prison": ProposalSource.PRISON,
}
EXIT_KINDS: tuple[str, ...] = tuple(KIND_SOURCES)

KIND_LABELS: Mapping[str, StrOrPromise] = {
    "exit_pension": gettext_lazy("养老保险待遇核定名单（提议注销：21）"),
    "exit_death": gettext_lazy("死亡人员名单（提议注销：26）"),
    "exit_school": gettext_lazy("入学或应征入伍名单（提议注销：24）"),
    "exit_prison": gettext_lazy("服刑人员名单（提议注销：25）"),
}
EVENT_HEADERS: dict[str, tuple[str, ...]] = {
    "exit_pension": ("待遇核定日期", "核定日期"),
    "exit_death": ("死亡日期",),
    "exit_school": ("入学或入伍日期", "入学日期", "入伍日期"),
    "exit_prison": ("收监日期", "服刑日期"),
}

NO_ACTIVE_REGISTRATION = gettext_lazy("无在册的失业登记（本区划内没有该证件号码的有效失业登记），未提议注销")
ALREADY_PROPOSED = gettext_lazy("该事件已提议过注销，未重复提议")
EVENT_IN_FUTURE = gettext_lazy("日期不能晚于今天")


def exit_columns(kind: str) -> list[Column]:
    return [
        Column(
            "id_number",
            ("身份证号", "证件号码", "公民身份号码"),
            hint=gettext_lazy("18位公民身份号码，请设置为文本格式"),
            number_format=TEXT,
            width=24,
        ),
        Column("name", ("姓名",), required=False),
        Column(
            "event_on",
            (*EVENT_HEADERS[kind], "事件日期", "日期"),
            hint=gettext_lazy("如 2026-03-01 或 20260301；不能晚于今天"),
            number_format=DATE,
        ),
        Column(
            "evidence",
            ("来源或依据", "依据", "来源", "备注"),
            required=False,
            hint=gettext_lazy("如核定文号、数据来源部门，最多200个字"),
            width=30,
        ),
    ]


def exit_import(*, file, kind: str, user, run_now: bool = True) -> ImportBatch:
    """Import a list that proposes exits (``kind`` one of ``EXIT_KINDS``); returns the batch.

    ImportFileError (nothing created) for a file the cheap checks refuse. With ``run_now`` the rows are processed
    here (commands, tests, the bench); otherwise the import job does it after commit and the batch page follows.
    """
    if kind not in KIND_SOURCES:
        raise ValueError(f"not an exit proposal import kind: {kind!r}")
    return import_submit(file=file, kind=kind, user=user, run_now=run_now)


# One statement per chunk: the rows (arrays) matched with the active registration of the same citizen ID number
# in the importing office's region; the proposals inserted, an event already proposed left alone. Returns each
# row's number, whether it matched, and whether it was inserted.
_MATCH_SQL = """
WITH f AS (
    SELECT * FROM unnest(%(rows)s::int[], %(ids)s::text[], %(dates)s::date[], %(evidence)s::text[])
        AS f(row_no, id_number, event_on, evidence)
), m AS (
    SELECT f.row_no, f.event_on, f.evidence, x.id AS registration_id, x.region_id
    FROM f LEFT JOIN LATERAL (
        SELECT r.id, r.region_id
        FROM registration_person p
        JOIN registration_registration r ON r.person_id = p.id AND r.status = %(active)s
        JOIN offices_region g ON g.code = r.region_id
        WHERE p.id_number = f.id_number AND p.id_type = %(citizen)s AND g.path LIKE %(scope)s
        LIMIT 1
    ) x ON true
), ins AS (
    INSERT INTO deregistration_exitproposal
        (created_at, updated_at, registration_id, region_id, code, source, event_on, evidence, batch_id, "row",
         record_id, status, dismiss_reason)
    SELECT now(), now(), m.registration_id, m.region_id, %(code)s, %(source)s, m.event_on, m.evidence,
           %(batch)s, m.row_no, NULL, %(open)s, ''
    FROM m WHERE m.registration_id IS NOT NULL
    ORDER BY m.row_no
    ON CONFLICT DO NOTHING
    RETURNING "row"
)
SELECT m.row_no, m.registration_id IS NOT NULL, EXISTS (SELECT 1 FROM ins WHERE ins."row" = m.row_no)
FROM m
"""


def _start(batch: ImportBatch) -> ChunkHandler:
    """The chunk handler of one run over an exit proposal list (``registration.imports.batches.ChunkHandler``)."""
    source = KIND_SOURCES[batch.kind]
    code = PROPOSAL_CODES[source]
    scope = batch.office.region.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    today = timezone.localdate()

    def handle(table: Table, start: int, outcome: ImportOutcome, deadline: float) -> int:
        raw = table.rows[start : start + CHUNK_ROWS]
        numbers: list[int] = []
        ids: list[str] = []
        dates: list[date] = []
        evidence: list[str] = []
        for number, cells in raw:
            row = Row(table, number, cells)
            id_number = row.parse("id_number", cell_citizen_id_key) or ""
            name = row.text("name", max_length=50)
            event_on = row.date("event_on", required=True)
            text = row.text("evidence", max_length=200)
            if event_on is not None and event_on > today:
                row.problem("event_on", EVENT_IN_FUTURE)
            if row.problems or event_on is None:
                outcome.fail(number, row.problems)
                continue
            numbers.append(number)
            ids.append(id_number)
            dates.append(event_on)
            evidence.append("；".join(part for part in (name, text) if part)[:300])
        if numbers:
            with connection.cursor() as cursor:
                cursor.execute(
                    _MATCH_SQL,
                    {
                        "rows": numbers,
                        "ids": ids,
                        "dates": dates,
                        "evidence": evidence,
                        "active": Registration.Status.ACTIVE,
                        "citizen": CITIZEN_ID,
                        "scope": scope,
                        "code": code,
                        "source": source,
                        "batch": batch.pk,
                        "open": ExitProposal.Status.OPEN,
                    },
                )
                for number, matched, inserted in cursor.fetchall():
                    if inserted:
                        outcome.created += 1
                    elif matched:
                        outcome.skip(number, ALREADY_PROPOSED)
                    else:
                        outcome.skip(number, NO_ACTIVE_REGISTRATION)
        return len(raw)

    return handle


register_flow(ImportFlow(kinds=EXIT_KINDS, columns=exit_columns, start=_start, labels=KIND_LABELS))
