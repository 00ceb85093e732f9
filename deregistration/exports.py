"""The exits list as xlsx, written by ``common/xlsx.py`` (rows streamed; no text can become a formula).

Masked by default (``mask_document_number``); with ``full_numbers`` each exported person counts as a reveal of
their number (registration's ``IdReveal``, context ``exit_export``) by the user, logged in the same transaction
as the export is built, and read on 证件号码查看记录 (/audit/id-reveals/).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from codes.lookup import label
from common.privacy import mask_document_number
from common.xlsx import XlsxWriter
from offices.models import User
from registration.models import IdReveal

from .models import Exit

COLUMNS = [
    "注销日期（ADC210）",
    "经办日期（AAE036）",
    "注销原因代码（AJC00A）",
    "注销原因",
    "状态",
    "姓名（AAC003）",
    "证件类型（AAC058）",
    "证件号码（AAC044）",
    "登记编号",
    "登记机构",
    "注销地（AAB301）",
    "系统流水号（AAZ341）",
    "经办人（AAE011）",
    "备注（AAE013）",
]
WIDTHS = [12, 12, 8, 30, 10, 10, 8, 22, 22, 26, 10, 22, 10, 30]


@transaction.atomic
def exits_xlsx(exits: QuerySet[Exit], *, user: User, full_numbers: bool = False) -> bytes:
    """``exits`` as one sheet, in Chinese whatever the user's language. ``full_numbers``: the caller checked the
    permission (``deregistration.export_exit_id_numbers`` and ``registration.reveal_id_number``); every row is
    then logged as an IdReveal."""
    reveals: list[IdReveal] = []
    with translation.override("zh-hans"):
        book = XlsxWriter()
        sheet = book.sheet("注销名单", header=COLUMNS, widths=WIDTHS)
        for e in exits.select_related("registration__office").iterator(chunk_size=2000):
            if full_numbers:
                reveals.append(
                    IdReveal(
                        person_id=e.registration.person_id, user=user, context=IdReveal.Context.EXIT_EXPORT
                    )
                )
            sheet.append(
                [
                    e.deregistered_on,
                    e.effective_on,
                    e.reason,
                    label("AJC00A", e.reason) or "",
                    str(Exit.Status(e.status).label),
                    e.name,
                    e.id_type,
                    e.id_number if full_numbers else mask_document_number(e.id_number),
                    e.registration.number,
                    e.registration.office.name,
                    e.region_code,
                    e.serial,
                    e.handler_name,
                    e.remark,
                ]
            )
    IdReveal.objects.bulk_create(reveals, batch_size=2000)
    return book.to_bytes()


def export_filename(*, full: bool) -> str:
    return f"exits-{'full-' if full else ''}{timezone.localdate():%Y%m%d}.xlsx"
