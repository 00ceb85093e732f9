"""The import formats of stage 1 by kind: their columns, titles and the downloadable template workbook."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.tables import Column
from common.xlsx import template_workbook

from ..models import ImportBatch
from .comparison import COMPARISON_KINDS, comparison_columns
from .graduates import GRADUATE_COLUMNS
from .registrations import REGISTRATION_COLUMNS

TEMPLATE_TITLES = {
    ImportBatch.Kind.SOCIAL_INSURANCE: gettext_lazy("社会保险参保缴费记录导入模板"),
    ImportBatch.Kind.BUSINESS: gettext_lazy("市场主体登记记录导入模板"),
    ImportBatch.Kind.GRADUATES: gettext_lazy("离校未就业高校毕业生名单导入模板"),
    ImportBatch.Kind.REGISTRATIONS: gettext_lazy("既有失业登记导入模板"),
}


def columns_for(kind: str) -> list[Column]:
    if kind == ImportBatch.Kind.GRADUATES:
        return GRADUATE_COLUMNS
    if kind == ImportBatch.Kind.REGISTRATIONS:
        return REGISTRATION_COLUMNS
    if kind in COMPARISON_KINDS:
        return comparison_columns(kind)
    raise ValueError(f"unknown import kind {kind!r}")


def template_xlsx(kind: str) -> bytes:
    """An empty xlsx with the headers of ``kind`` (ID and code columns as text) and an instructions sheet."""
    return template_workbook(
        TEMPLATE_TITLES[ImportBatch.Kind(kind)],
        columns_for(kind),
        notes=[
            _(
                "单个文件不超过10 MB、50,000行，单元格不超过2,000个字符。出错的行会按行号列出，其余行正常导入；同一文件重复导入不会重复新增。"
            )
        ],
    )
