"""Comparison records for 信息比对 (notice 二): social-insurance contribution records and business registrations,
imported by ops from the other departments' files.

    batch = comparison_import(file=upload, kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=request.user)

Importing the same file again creates nothing twice: records are unique per source, ID number, organisation and
start date (a newer file may close an open period: its end date is taken). The file is checked cheaply and stored
on a queued batch; the Celery job of every import (``batches``) reads it and hands its rows here chunk by chunk,
each chunk committed with the batch's counters, so an interrupted job resumes after the last chunk. Within a chunk
the records go in by one statement inside a savepoint, with a row-by-row retry (one savepoint each) should it
fail, so a failing row never half-saves and never undoes another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.tables import DATE, TEXT, UNSAVABLE, Column, Outcome, Table

from ..models import ComparisonRecord, ImportBatch
from .batches import ChunkHandler, ImportFlow, import_submit, register_flow
from .cells import cell_citizen_id_key

COMPARISON_KINDS = (ImportBatch.Kind.SOCIAL_INSURANCE, ImportBatch.Kind.BUSINESS)
CHUNK_ROWS = 1000  # rows checked against the records held, and inserted, per query and per committed chunk


def comparison_columns(kind: str) -> list[Column]:
    organisation = ("单位名称", "市场主体名称") if kind == ImportBatch.Kind.BUSINESS else ("单位名称",)
    return [
        Column(
            "id_number",
            ("身份证号", "证件号码"),
            hint=gettext_lazy("18位公民身份号码，请设置为文本格式"),
            number_format=TEXT,
            width=24,
        ),
        Column("name", ("姓名",)),
        Column("organisation", organisation, hint=gettext_lazy("参保单位或市场主体名称"), width=24),
        Column(
            "start_date", ("开始日期",), hint=gettext_lazy("如 2024-03-01 或 20240301"), number_format=DATE
        ),
        Column("end_date", ("结束日期",), hint=gettext_lazy("仍在参保或经营的留空"), number_format=DATE),
    ]


def _comparison_rows(table: Table, outcome: Outcome) -> Iterator[tuple[int, dict]]:
    """The valid rows of a comparison file as (row number, field values); bad rows go to ``outcome``."""
    for row in table.each_row():
        values = {
            "id_number": row.parse("id_number", cell_citizen_id_key) or "",
            "name": row.text("name", required=True, max_length=50),
            "organisation": row.text("organisation", required=True, max_length=200),
            "start_date": row.date("start_date", required=True),
            "end_date": row.date("end_date"),
        }
        start, end = values["start_date"], values["end_date"]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            row.problem("end_date", _("结束日期不能早于开始日期"))
        if row.problems:
            outcome.fail(row.number, row.problems)
        else:
            yield row.number, values


def comparison_import(*, file, kind: str, user, run_now: bool = True) -> ImportBatch:
    """Import social-insurance or business-registration records for 信息比对; returns the batch.

    Raises ImportFileError (nothing created) for a file that the cheap checks refuse. With ``run_now`` the rows
    are processed here (commands, tests; an ImportFileError found while reading them is raised too); otherwise a
    Celery job does it (task ``registration.process_import_batch``, queued after commit) and the batch page
    follows it. A record already held (same source, ID number, organisation, start date) is skipped, or takes the
    file's end date if that changed (a contribution period that has since ended): such updates are counted with
    the created rows.
    """
    if kind not in COMPARISON_KINDS:
        raise ValueError(f"not a comparison import kind: {kind!r}")
    return import_submit(file=file, kind=kind, user=user, run_now=run_now)


def _start(batch: ImportBatch) -> ChunkHandler:
    """The chunk handler of one run over a comparison file (``batches.ChunkHandler``).

    Rows are checked in Python first; the new records of the chunk are then inserted in one statement inside a
    savepoint, and should that fail, row by row, each in its own savepoint, so that a row the database refuses
    never takes the good rows with it. A chunk is a few queries (well within the heartbeat), so it always takes
    its whole share of rows.
    """
    source = (
        ComparisonRecord.Source.SOCIAL_INSURANCE
        if batch.kind == ImportBatch.Kind.SOCIAL_INSURANCE
        else ComparisonRecord.Source.BUSINESS
    )

    def handle(table: Table, start: int, outcome: Outcome, deadline: float) -> int:
        raw = table.rows[start : start + CHUNK_ROWS]
        chunk = list(_comparison_rows(replace(table, rows=raw), outcome))
        pending: dict[tuple, tuple[ComparisonRecord, int]] = {}  # key → (new record, its row number)
        held = {
            (r.id_number, r.organisation, r.start_date): r
            for r in ComparisonRecord.objects.filter(
                source=source, id_number__in={values["id_number"] for _n, values in chunk}
            )
        }
        for number, values in chunk:
            key = (values["id_number"], values["organisation"], values["start_date"])
            new = pending.get(key)
            record = new[0] if new else held.get(key)
            if record is None:
                pending[key] = (ComparisonRecord(source=source, batch=batch, **values), number)
            elif record.end_date == values["end_date"]:
                outcome.skipped += 1
            elif record.pk is None:  # the file says it twice, the later row wins
                record.end_date, record.name = values["end_date"], values["name"]
                outcome.created += 1
            else:  # a newer end date for a record already held
                record.end_date, record.name, record.batch = values["end_date"], values["name"], batch
                try:
                    with transaction.atomic():
                        record.save(update_fields=["end_date", "name", "batch"])
                    outcome.created += 1
                except DataError:
                    outcome.fail(number, [("", str(UNSAVABLE))])
        _insert(list(pending.values()), outcome)
        return len(raw)

    return handle


def _insert(records: list[tuple[ComparisonRecord, int]], outcome: Outcome) -> None:
    """The chunk's new records in one statement; should it fail, one savepoint per row to find the row at
    fault."""
    if not records:
        return
    try:
        with transaction.atomic():
            ComparisonRecord.objects.bulk_create([record for record, _number in records])
        outcome.created += len(records)
        return
    except (IntegrityError, DataError):
        pass
    for record, number in records:
        record.pk = None
        try:
            with transaction.atomic():
                record.save(force_insert=True)
            outcome.created += 1
        except IntegrityError:  # imported concurrently by someone else meanwhile
            outcome.skipped += 1
        except DataError:
            outcome.fail(number, [("", str(UNSAVABLE))])


register_flow(ImportFlow(kinds=COMPARISON_KINDS, columns=comparison_columns, start=_start))
