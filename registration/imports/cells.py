"""Cells of stage 1's import formats that follow its own rules: the citizen ID number (GB 11643)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common.tables import CellError, cell_text

from ..idnumbers import citizen_id_key, normalize_citizen_id, validate_citizen_id


def cell_citizen_id(value) -> str:
    """A citizen ID number as the file gives it (15 or 18 characters), validated (GB 11643); raises CellError
    with the reason.

    For ``Row.parse("id_number", cell_citizen_id)`` (common/tables.py). ``cell_citizen_id_key`` gives the
    identity key (the 18-digit form) instead.
    """
    if isinstance(value, float) and value >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit number typed as a number has lost its end.
        raise CellError(_("身份证号单元格为数字格式，末几位已丢失；请将该列设置为文本格式后重新填写"))
    text = normalize_citizen_id(cell_text(value).lstrip("'"))
    if not text:
        raise CellError(_("请填写身份证号"))
    try:
        validate_citizen_id(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
    return text


def cell_citizen_id_key(value) -> str:
    """``cell_citizen_id``, as the identity key: a 15-digit number in its 18-digit form (GB 11643)."""
    return citizen_id_key(cell_citizen_id(value))
