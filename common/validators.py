"""Reusable field validators. Messages are in Chinese and name the rule; the form names the field."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Half-width space, full-width (ideographic) space U+3000, and any other whitespace.
_SPACES = re.compile(r"[\s\u3000]")

NO_SPACES_MESSAGE = _("不能含有半角或全角空格")


def validate_no_spaces(value: str) -> None:
    """The upload table's rule for AAC003 (姓名) and AAE011 (经办人): no half- or full-width spaces."""
    if value and _SPACES.search(value):
        raise ValidationError(NO_SPACES_MESSAGE, code="spaces")
