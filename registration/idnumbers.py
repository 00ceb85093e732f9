"""Citizen ID numbers (公民身份号码, GB 11643-1999), the social-security number (AAC002) of a citizen.

- 18 characters: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit sequence whose last digit is odd
  for men and even for women, and a check character: sum(digit_i * weight_i) mod 11 indexes "10X98765432".
  A lowercase x is accepted and normalised to X.
- 15 characters (legacy, issued before 1999): all digits, birth date as YYMMDD in the 1900s, sex in the last
  digit, no check character.
The birth date must be a real date and not in the future (the standard's own example 440524188001010014
is born in 1880, so there is no lower bound).

One person, one identity: a 15-digit number and its 18-digit form are the same person. The 18-digit form is the
identity key (``Person.id_number``, ``ComparisonRecord.id_number``); what was typed stays on the application.

    to_18_digits("110105491231002")                # '11010519491231002X' (GB 11643: insert 19, add the check)
    citizen_id_key("110105491231002")              # the same: the key of either form, any other text as typed
    citizen_id_forms("11010519491231002X")         # ['11010519491231002X', '110105491231002']: to look up

    normalize_citizen_id(" 11010519491231002x ")   # '11010519491231002X'
    normalize_typed_number("１１０１ 0519 4912 3100 2x")  # '11010519491231002X': what a form does to any document
    validate_social_security_number("A1234567")    # AAC002 of another document (passes; see its rules)
    validate_citizen_id("11010519491231002X")      # passes (the standard's own example)
    birth_date_from_id("11010519491231002X")       # date(1949, 12, 31)
    sex_from_id("11010519491231002X")              # "2" (AAC004: female)
    mask_id("11010519491231002X")                  # '110**************X'
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.privacy import mask_document_number

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# AAC004 codes.
MALE = "1"
FEMALE = "2"


def normalize_citizen_id(value: str) -> str:
    """Strip surrounding whitespace and upper-case a trailing x."""
    return (value or "").strip().upper()


# Full-width ASCII (U+FF01–U+FF5E, typed with a Chinese input method) to its half-width form (U+0021–U+007E).
_FULL_WIDTH_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def normalize_typed_number(value: str) -> str:
    """A document number as a form receives it, made comparable: every space removed (half- or full-width,
    also between groups of digits), full-width digits and letters made half-width, letters upper-cased.

    Forms apply it to any document type; services and imports keep ``normalize_citizen_id`` (surrounding
    whitespace and case only), so a file's number is judged as it stands.
    """
    return "".join((value or "").translate(_FULL_WIDTH_TO_ASCII).split()).upper()


def to_18_digits(number: str) -> str:
    """The 18-digit form of a legacy 15-digit number (GB 11643): the 6-digit address code, "19" and the 6-digit
    birth date YYMMDD, the 3-digit sequence number, then the check character.

    Raises ValueError unless ``number`` is 15 ASCII digits whose birth date (in the 1900s) is a real date.
    """
    number = (number or "").strip()
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        raise ValueError("not a 15-digit citizen ID number")
    if _birth_date(number) is None:
        raise ValueError("the birth date of the 15-digit citizen ID number is not a date")
    first17 = f"{number[:6]}19{number[6:]}"
    return first17 + check_character(first17)


def to_15_digits(number: str) -> str | None:
    """The legacy 15-digit form of an 18-digit number born in the 1900s (None for anyone born otherwise)."""
    if len(number) != 18 or number[6:8] != "19" or not number[:17].isdigit():
        return None
    return number[:6] + number[8:17]


def citizen_id_key(value: str) -> str:
    """The identity key of a citizen ID number: its 18-digit form for a valid 15-digit number, otherwise the
    number normalised (``normalize_citizen_id``), valid or not, for the validator to judge."""
    value = normalize_citizen_id(value)
    if len(value) == 15:
        try:
            return to_18_digits(value)
        except ValueError:
            return value
    return value


def citizen_id_forms(value: str) -> list[str]:
    """Every form under which a citizen ID number may be stored: the key first, then the 15-digit form (numbers
    kept from before the key existed), and what was typed if it is neither. For ``id_number__in`` lookups."""
    typed = normalize_citizen_id(value)
    key = citizen_id_key(typed)
    forms = [key]
    legacy = to_15_digits(key)
    for other in (legacy, typed):
        if other and other not in forms:
            forms.append(other)
    return forms


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _birth_date(value: str) -> date | None:
    try:
        if len(value) == 18:
            return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        return date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    except ValueError:
        return None


def validate_citizen_id(value: str) -> None:
    """Raise ValidationError (message in Chinese naming the problem) unless ``value`` is a valid number.

    ``value`` should already be normalised (forms call ``normalize_citizen_id`` first); a lowercase x is
    tolerated here as well.
    """
    value = (value or "").upper()
    if len(value) not in (15, 18):
        raise ValidationError(
            _("公民身份号码应为15位或18位，当前为%(n)d位") % {"n": len(value)}, code="length"
        )
    if len(value) == 15:
        if not value.isascii() or not value.isdigit():
            raise ValidationError(_("15位公民身份号码只能由数字组成"), code="digits")
    else:
        if not value[:17].isascii() or not value[:17].isdigit():
            raise ValidationError(_("18位公民身份号码前17位只能是数字"), code="digits")
        if not (value[17].isascii() and (value[17].isdigit() or value[17] == "X")):
            raise ValidationError(_("18位公民身份号码第18位应为数字或X"), code="check_char")
    born = _birth_date(value)
    if born is None:
        raise ValidationError(_("公民身份号码中的出生日期不是有效日期"), code="birth_date")
    if born > timezone.localdate():
        raise ValidationError(_("公民身份号码中的出生日期晚于今天"), code="birth_date_future")
    if len(value) == 18 and check_character(value[:17]) != value[17]:
        raise ValidationError(_("公民身份号码第18位校验码不正确"), code="checksum")


def is_valid_citizen_id(value: str) -> bool:
    try:
        validate_citizen_id(value)
    except ValidationError:
        return False
    return True


def birth_date_from_id(value: str) -> date:
    """Birth date encoded in a valid number."""
    born = _birth_date(normalize_citizen_id(value))
    if born is None:
        raise ValueError("not a valid citizen ID number")
    return born


def sex_from_id(value: str) -> str:
    """AAC004 code of the sex encoded in a valid number: "1" male (odd), "2" female (even)."""
    value = normalize_citizen_id(value)
    digit = value[16] if len(value) == 18 else value[14]
    return MALE if int(digit) % 2 else FEMALE


def mask_id(value: str) -> str:
    """The form shown wherever a number is not deliberately revealed: the first 3 characters and the last one.

    Why these: pages show beside the mask the person's age in years (never the birth date), sex and regions.
    Assume the worst, that a reader knows the 6-digit address code (the 户籍地 shown is usually it). What stays
    hidden of an 18-character number is then the birth date within the age shown (365 or 366 days) and the
    3-digit sequence number with the sex's parity (500 values); the visible check character only rules out 10 of
    every 11 of those combinations: about 365 x 500 / 11 ≈ 16,600 numbers remain possible. A 15-character
    number keeps its last digit (the sex digit, 1 of 5 once the sex is known): 365 x 100 ≈ 36,500 remain.
    Without the 户籍地 each count multiplies by the number of counties the first 3 digits leave open. Never show
    the birth date, or more characters, beside a mask: the old form (address code and last 4 kept, birth date
    hidden) was completed exactly by the birth date printed next to it.

    Other documents (passports, ...) keep their first and last character; short values are masked whole.
    """
    return mask_document_number(value)


def age_in_years(born: date, on: date | None = None) -> int:
    """Completed years of age on ``on`` (default: today in Asia/Shanghai), what pages show instead of the birth
    date (see ``mask_id``)."""
    on = on or timezone.localdate()
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def validate_social_security_number(value: str, *, sex: str = "") -> None:
    """The rules of the ministry's upload table for the social-security number (AAC002) of a person whose
    document is not a citizen ID: at most 18 characters, letters and digits; unless it starts with a letter it
    is a citizen-ID-style number: 15 digits, or 17 digits and the GB 11643 check character, and its sex digit
    (the 15th, or the 17th) agrees with ``sex`` (AAC004) when given. ``value`` is normalised already
    (``normalize_typed_number``); blank is left to the caller."""
    if not value:
        return
    if len(value) > 18:
        raise ValidationError(_("社会保障号码最多18位，当前为%(n)d位") % {"n": len(value)}, code="ssn_length")
    if not (value.isascii() and value.isalnum()):
        raise ValidationError(_("社会保障号码只能由字母和数字组成"), code="ssn_characters")
    if value[0].isalpha():
        return
    if len(value) not in (15, 18):
        raise ValidationError(
            _("不以字母开头的社会保障号码应为15位或18位，当前为%(n)d位") % {"n": len(value)},
            code="ssn_length",
        )
    if len(value) == 15 and not value.isdigit():
        raise ValidationError(_("15位社会保障号码只能由数字组成"), code="ssn_digits")
    if len(value) == 18:
        if not value[:17].isdigit():
            raise ValidationError(_("18位社会保障号码前17位只能是数字"), code="ssn_digits")
        if check_character(value[:17]) != value[17]:
            raise ValidationError(_("社会保障号码第18位校验码不正确"), code="ssn_checksum")
    if sex in (MALE, FEMALE) and sex_from_id(value) != sex:
        raise ValidationError(_("社会保障号码中的性别位与所填性别不符"), code="ssn_sex")
