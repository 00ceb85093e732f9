"""Personal data in what the system shows and writes to logs: identity-document numbers and phone numbers masked
(PIPL; DESIGN.md: "Citizen ID numbers are masked in lists ... numbers never travel in URLs or logs").

    mask_document_number("41080219900517123X")   # '410**************X'  (first 3 and last 1 kept)
    mask_document_number("E12345678")            # 'E*******8'
    mask_phone("13800000000")                    # '138****0000'
    mask_personal_data("致13800000000：41080219900517123X")   # '致138****0000：410**************X'

``mask_document_number`` is the one masking rule of the site; the stage that keeps people documents why it
leaves the number unrecoverable beside what its pages show (the person's age, sex and region).
``MaskPersonalDataFilter`` is a logging filter that masks every record's message the same way; attach it to a
handler (``LOGGING["handlers"][...]["filters"]``) so that no log line carries a full number.
"""

from __future__ import annotations

import logging
import re

MASK = "*"

# A citizen ID as it appears in free text: 18 characters (17 digits and a digit or X) or 15 digits, not part of
# a longer run of letters and digits (record numbers such as SQ2026112500000042 start with letters).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# A mainland mobile number, optionally with the country code (+86, 0086, 86).
_MOBILE_IN_TEXT = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d{9})(?!\d)")
# A landline written with its area code and a hyphen: 0391-1234567.
_LANDLINE_IN_TEXT = re.compile(r"(?<![\d-])(0\d{2,3}-\d{7,8})(?![\d-])")


def _keep(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    if hidden <= 0:
        return MASK * len(value)
    return value[:head] + MASK * hidden + (value[-tail:] if tail else "")


def mask_document_number(value: str | None) -> str:
    """An identity-document number with only a few characters left visible.

    Citizen IDs (15 or 18 characters) keep the first 3 and the last character; other documents (passports,
    …) of 6 or more characters keep the first and the last; anything shorter is masked whole.
    """
    value = (value or "").strip()
    if len(value) >= 15:
        return _keep(value, 3, 1)
    if len(value) >= 6:
        return _keep(value, 1, 1)
    return MASK * len(value)


def mask_phone(value: str | None) -> str:
    """A phone number with its middle hidden: 13800000000 → 138****0000 (11 or more characters keep the
    first 3 and last 4; 7 to 10 keep the last 2; shorter ones are masked whole)."""
    value = (value or "").strip()
    if len(value) >= 11:
        return _keep(value, 3, 4)
    if len(value) >= 7:
        return _keep(value, 0, 2)
    return MASK * len(value)


def mask_personal_data(text: str | None) -> str:
    """``text`` with every ID-number-looking and phone-number-looking sequence masked."""
    text = text or ""
    text = _ID_IN_TEXT.sub(lambda m: mask_document_number(m.group(0)), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + mask_phone(m.group(1)), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)


class MaskPersonalDataFilter(logging.Filter):
    """Masks ID numbers and phone numbers in each record's message (its arguments merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a malformed record is left for the handler to report)
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


# Field names whose values identify a person when read together with a masked number (the history shows them
# as they were written): masked whole in the history pages of the admin.
SENSITIVE_HISTORY_FIELDS = frozenset(
    {"id_number", "social_security_number", "id_number_as_typed", "birth_date", "phone"}
)


def mask_history_values(data):
    """A history row's data or diff (pghistory ``pgh_data`` / ``pgh_diff``) with personal data masked: the
    fields of SENSITIVE_HISTORY_FIELDS hidden, and ID- or phone-looking text in any other value masked."""
    if isinstance(data, dict):
        return {
            key: (
                "***"
                if key in SENSITIVE_HISTORY_FIELDS and value not in (None, "")
                else mask_history_values(value)
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_history_values(value) for value in data]
    if isinstance(data, str):
        return mask_personal_data(data)
    return data
