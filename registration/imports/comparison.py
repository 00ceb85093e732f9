"""Comparison records for 信息比对 (notice 二): social-insurance contribution records and business registrations,
imported by ops from the other departments' files.

    batch = comparison_import(file=upload, kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=request.user)

Importing the same file again creates nothing twice: records are unique per source, ID number, organisation and
start date (a newer file may close an open period: its end date is taken). The whole import is one transaction
with its batch; comparison records go in by chunk inside a savepoint, with a row-by-row retry (one savepoint each)
should the chunk fail, so a failing row never half-saves and never undoes another.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.history import history_context
from common.tables import DATE, TEXT, UNSAVABLE, Column, Outcome, Table, chunks, read_table
from offices.models import Office

from ..models import ComparisonRecord, ImportBatch
from .batches import office_of
from .cells import cell_citizen_id_key

COMPARISON_KINDS = (ImportBatch.Kind.SOCIAL_INSURANCE, ImportBatch.Kind.BUSINESS)
CHUNK_ROWS = 1000  # rows checked against the records held, and inserted, per query


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
        if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
            row.problem("end_date", _("结束日期不能早于开始日期"))
        if row.problems:
            outcome.fail(row.number, row.problems)
        else:
            yield row.number, values


def _new_batch(*, kind: str, table: Table, user, office: Office) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind, file_name=table.file_name, sha256=table.sha256, office=office, uploaded_by=user
    )


def _finish_batch(batch: ImportBatch, table: Table, outcome: Outcome) -> ImportBatch:
    batch.total_rows = len(table.rows)
    batch.created_rows = outcome.created
    batch.skipped_rows = outcome.skipped
    batch.error_rows = outcome.error_rows
    batch.errors = outcome.sorted_errors()
    batch.save(
        update_fields=["total_rows", "created_rows", "skipped_rows", "error_rows", "errors", "updated_at"]
    )
    return batch


def comparison_import(*, file, kind: str, user) -> ImportBatch:
    """Import social-insurance or business-registration records for 信息比对; returns the batch.

    Raises ImportFileError (nothing created) for a file that cannot be used. A record already held (same
    source, ID number, organisation, start date) is skipped, or takes the file's end date if that changed
    (a contribution period that has since ended): such updates are counted with the created rows.

    Rows are checked in Python first; the new records of each chunk of 1,000 rows are then inserted in one
    statement inside a savepoint, and should that fail, row by row, each in its own savepoint, so that a row
    the database refuses never takes the good rows with it.
    """
    if kind not in COMPARISON_KINDS:
        raise ValueError(f"not a comparison import kind: {kind!r}")
    office = office_of(user)
    table = read_table(file, comparison_columns(kind))
    source = (
        ComparisonRecord.Source.SOCIAL_INSURANCE
        if kind == ImportBatch.Kind.SOCIAL_INSURANCE
        else ComparisonRecord.Source.BUSINESS
    )
    outcome = Outcome()
    with history_context(actor=user, source=f"import:{kind}"), transaction.atomic():
        batch = _new_batch(kind=kind, table=table, user=user, office=office)
        pending: dict[tuple, ComparisonRecord] = {}  # key → record of this file, not yet inserted

        def flush() -> None:
            records = list(pending.values())
            pending.clear()
            if not records:
                return
            try:
                with transaction.atomic():
                    ComparisonRecord.objects.bulk_create(records)
                outcome.created += len(records)
                return
            except (IntegrityError, DataError):
                pass  # find the row at fault: one savepoint per row
            for record in records:
                record.pk = None
                try:
                    with transaction.atomic():
                        record.save(force_insert=True)
                    outcome.created += 1
                except IntegrityError:  # imported concurrently by someone else meanwhile
                    outcome.skipped += 1
                except DataError:
                    outcome.fail(record._import_row, [("", str(UNSAVABLE))])

        for chunk in chunks(_comparison_rows(table, outcome), CHUNK_ROWS):
            held = {
                (r.id_number, r.organisation, r.start_date): r
                for r in ComparisonRecord.objects.filter(
                    source=source, id_number__in={values["id_number"] for _n, values in chunk}
                )
            }
            for number, values in chunk:
                key = (values["id_number"], values["organisation"], values["start_date"])
                record = pending.get(key) or held.get(key)
                if record is None:
                    record = ComparisonRecord(source=source, batch=batch, **values)
                    record._import_row = number
                    pending[key] = record
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
            flush()
        return _finish_batch(batch, table, outcome)
