"""Citizen ID numbers (GB 11643-1999): acceptance, rejection, derived birth date and sex."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from registration.idnumbers import (
    birth_date_from_id,
    is_valid_citizen_id,
    mask_id,
    normalize_citizen_id,
    sex_from_id,
    validate_citizen_id,
)

from .factories import citizen_id


def error_code(value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id(value)
    return exc.value.code


def test_it_accepts_the_standards_own_example():
    validate_citizen_id("11010519491231002X")
    assert birth_date_from_id("11010519491231002X") == date(1949, 12, 31)
    assert sex_from_id("11010519491231002X") == "2"


def test_it_accepts_the_example_that_python_stdnum_rejects():
    validate_citizen_id("440524188001010014")  # born 1880: a real date, valid per the standard
    assert sex_from_id("440524188001010014") == "1"


def test_it_accepts_a_lowercase_x_and_normalises_it():
    assert normalize_citizen_id(" 11010519491231002x ") == "11010519491231002X"
    validate_citizen_id("11010519491231002x")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "length"),
        ("1101051949123100", "length"),
        ("1101051949123100212", "length"),
        ("11010519491231002Y", "check_char"),
        ("1101051949123A002X", "digits"),
        ("１１０１０５１９４９１２３１００２X", "digits"),  # full-width digits
        ("110105194913310028", "birth_date"),  # month 13
        ("110105194902300021", "birth_date"),  # 30 February
        ("110105194912310021", "checksum"),
        ("11010549123100A", "digits"),
        ("110105491331002", "birth_date"),
    ],
)
def test_it_rejects_malformed_numbers_with_a_named_problem(value, code):
    assert error_code(value) == code


def test_it_gives_the_messages_in_chinese():
    with pytest.raises(ValidationError) as exc:
        validate_citizen_id("110105194912310021")
    assert "校验码" in exc.value.messages[0]


def test_it_rejects_a_birth_date_in_the_future():
    with time_machine.travel(date(2026, 11, 25)):
        future = citizen_id(date(2026, 11, 26), seq=12)
        assert error_code(future) == "birth_date_future"
        validate_citizen_id(citizen_id(date(2026, 11, 25), seq=12))


def test_it_accepts_legacy_fifteen_digit_numbers():
    validate_citizen_id("410802750101123")
    assert birth_date_from_id("410802750101123") == date(1975, 1, 1)
    assert sex_from_id("410802750101123") == "1"
    assert sex_from_id("410802750101124") == "2"


def test_it_masks_numbers_for_lists():
    # First 3 and last 1 only: the birth date, the sequence number and the county all stay hidden.
    assert mask_id("11010519491231002X") == "110**************X"
    assert mask_id("410802750101123") == "410***********3"
    assert mask_id("E12345678") == "E*******8"
    assert mask_id("E123") == "****"


@given(
    born=st.dates(min_value=date(1850, 1, 1), max_value=date(2026, 1, 1)),
    seq=st.integers(min_value=0, max_value=999),
    region=st.sampled_from(["410802", "410825", "110105", "440524"]),
)
def test_it_accepts_every_well_formed_number_and_derives_birth_and_sex(born, seq, region):
    value = citizen_id(born, region=region, seq=seq)
    validate_citizen_id(value)
    assert birth_date_from_id(value) == born
    assert sex_from_id(value) == ("1" if seq % 2 else "2")


@given(
    born=st.dates(min_value=date(1850, 1, 1), max_value=date(2026, 1, 1)),
    seq=st.integers(min_value=0, max_value=999),
    wrong=st.sampled_from(list("0123456789X")),
)
def test_it_rejects_every_wrong_check_character(born, seq, wrong):
    value = citizen_id(born, seq=seq)
    tampered = value[:17] + wrong
    assert is_valid_citizen_id(tampered) == (tampered == value)


@given(
    born=st.dates(min_value=date(1850, 1, 1), max_value=date(2026, 1, 1)),
    seq=st.integers(min_value=0, max_value=999),
    position=st.integers(min_value=0, max_value=16),
    delta=st.integers(min_value=1, max_value=9),
)
def test_it_detects_any_single_digit_change(born, seq, position, delta):
    value = citizen_id(born, seq=seq)
    digit = (int(value[position]) + delta) % 10
    changed = value[:position] + str(digit) + value[position + 1 :]
    assert not is_valid_citizen_id(changed)


@given(st.text(max_size=25))
def test_it_never_crashes_on_arbitrary_input(text):
    try:
        validate_citizen_id(text)
    except ValidationError as exc:
        assert exc.messages
