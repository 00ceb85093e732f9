"""Reading code tables: labels, choices for forms and the "must be in the code table" check.

label("AJC00A", "11")          # '被各类用人单位录用或招聘'
choices("AAC058")              # [('01', '居民身份证（户口簿）'), ...]  (active codes only)
validate_code("AAC058", "01")  # raises ValidationError naming the table when the code is unknown
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from .models import CodeItem


def choices(table: str) -> list[tuple[str, str]]:
    """The active codes of ``table`` with their labels in the reader's language (codes/labels.py)."""
    items = CodeItem.objects.filter(table_id=table, active=True).order_by("sort_order", "code")
    return [(code, gettext(text)) for code, text in items.values_list("code", "label")]


# Labels of each table, kept for a minute per process: a list of a hundred people shows each one's sex without
# a query per row, and a label an administrator changes shows everywhere within a minute.
LABELS_TTL_SECONDS = 60
_labels_cache: dict[str, tuple[float, dict[str, str]]] = {}


def _labels(table: str) -> dict[str, str]:
    cached = _labels_cache.get(table)
    if cached is None or time.monotonic() - cached[0] > LABELS_TTL_SECONDS:
        labels = dict(CodeItem.objects.filter(table_id=table).values_list("code", "label"))
        cached = _labels_cache[table] = (time.monotonic(), labels)
    return cached[1]


def label(table: str, code: str) -> str | None:
    """The label of ``code`` in the reader's language (Chinese for uploads and exports: call it inside
    ``translation.override("zh-hans")``); None for an unknown code."""
    text = _labels(table).get(code)
    return gettext(text) if text else None


def validate_code(table: str, code: str) -> None:
    """The upload table's rule "必须在代码表中": ``code`` must be an active code of ``table``."""
    if not CodeItem.objects.filter(table_id=table, code=code, active=True).exists():
        raise ValidationError(
            _("%(table)s：代码“%(code)s”不在代码表中") % {"table": table, "code": code},
            code="not_in_code_table",
        )
