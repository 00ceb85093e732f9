"""Reusable field validators. Messages are in Chinese and name the rule; the form names the field.

    name = forms.CharField(max_length=50, validators=[validate_no_invisible_characters])
    note = forms.CharField(widget=forms.Textarea, validators=[validate_text_block])
    phone = normalize_phone(raw); validate_phone(phone)

Text people type (names, addresses, notes) and text that arrives in imported files must not carry characters
nobody can see: zero-width characters (U+200B–U+200D, U+2060, U+FEFF) make two equal-looking names different
records, and bidirectional controls (U+200E/U+200F, U+202A–U+202E, U+2066–U+2069) make a name or note display in
another order than it is stored ("Trojan Source"). Every Unicode *format* (Cf) and *control* (Cc) character is
refused, and in single-line text the line and paragraph separators (U+2028, U+2029) too; multi-line text keeps
its line breaks and tabs. Private-use and not-yet-assigned code points are allowed: rare characters of Chinese
names (生僻字) live there in some input methods and in Unicode versions newer than Python's.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Half-width space, full-width (ideographic) space U+3000, and any other whitespace.
_SPACES = re.compile(r"[\s\u3000]")

NO_SPACES_MESSAGE = _("不能含有半角或全角空格")
INVISIBLE_CHARACTER_MESSAGE = _(
    "不能含有不可见字符或控制字符（如零宽字符、文字方向控制符）：第%(position)d个字符为 %(code)s"
)
PHONE_MESSAGE = _("联系电话只能包含数字和“-”（可以“+”开头），7至20位")

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf"})
_SINGLE_LINE_ALSO_REFUSED = frozenset({"Zl", "Zp"})  # U+2028, U+2029: invisible line breaks
_TEXT_BLOCK_ALLOWED = frozenset("\n\r\t")

_PHONE = re.compile(r"\+?[0-9][0-9-]*")
PHONE_LENGTHS = (7, 20)  # Person.phone holds 20 characters
_PHONE_SEPARATORS = re.compile(r"[\s\u3000()（）]")


def validate_no_spaces(value: str) -> None:
    """The upload table's rule for AAC003 (姓名) and AAE011 (经办人): no half- or full-width spaces."""
    if value and _SPACES.search(value):
        raise ValidationError(NO_SPACES_MESSAGE, code="spaces")


def invisible_character(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first refused character of ``value`` as (1-based position, "U+XXXX"), or None if there is none."""
    for position, char in enumerate(value or "", start=1):
        category = unicodedata.category(char)
        if multiline and char in _TEXT_BLOCK_ALLOWED:
            continue
        if category in _REFUSED_CATEGORIES or (not multiline and category in _SINGLE_LINE_ALSO_REFUSED):
            return position, f"U+{ord(char):04X}"
    return None


def _refuse_invisible(value: str, *, multiline: bool) -> None:
    found = invisible_character(value, multiline=multiline)
    if found is not None:
        position, code = found
        raise ValidationError(
            INVISIBLE_CHARACTER_MESSAGE, code="invisible", params={"position": position, "code": code}
        )


def validate_no_invisible_characters(value: str) -> None:
    """Single-line text (names, addresses, school and organisation names): no control, format (zero-width,
    bidirectional) or line-separator characters."""
    _refuse_invisible(value, multiline=False)


def validate_text_block(value: str) -> None:
    """Multi-line free text (notes, reasons): as ``validate_no_invisible_characters`` but line breaks and tabs
    are allowed."""
    _refuse_invisible(value, multiline=True)


def invisible_character_errors(**fields: str) -> dict[str, list[str]]:
    """For a service's ValidationError keyed by field: ``{field: [message]}`` for each single-line text of
    ``fields`` that holds a refused character, e.g. ``errors.update(invisible_character_errors(name=name,
    address=data.address))``."""
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        found = invisible_character(value)
        if found is not None:
            errors[name] = [str(INVISIBLE_CHARACTER_MESSAGE % {"position": found[0], "code": found[1]})]
    return errors


def normalize_phone(value: str) -> str:
    """A phone number as typed, without spaces and parentheses ("(0391) 123 4567" → "03911234567")."""
    return _PHONE_SEPARATORS.sub("", value or "")


def validate_phone(value: str) -> None:
    """A phone number after ``normalize_phone``: digits and "-", optionally starting with "+", 7 to 20
    characters (mobile 13800000000, landline 0391-1234567, +8613800000000). Blank is left to ``required``."""
    low, high = PHONE_LENGTHS
    if value and not (_PHONE.fullmatch(value) and low <= len(value) <= high):
        raise ValidationError(PHONE_MESSAGE, code="phone")
