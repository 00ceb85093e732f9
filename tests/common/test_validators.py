"""The shared text and phone validators (common/validators.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from common.validators import (
    invisible_character,
    invisible_character_errors,
    normalize_phone,
    validate_no_invisible_characters,
    validate_phone,
    validate_text_block,
)


@pytest.mark.parametrize(
    "text",
    ["张三", "阿卜杜·买买提", "𠮷野家", "Zhāng Sān", "O'Brien-Smith", "解放路1号院2-301", "\ue000生僻字"],
)
def test_it_accepts_ordinary_names_and_addresses_including_rare_and_private_use_characters(text):
    validate_no_invisible_characters(text)


@pytest.mark.parametrize(
    ("text", "position", "code"),
    [
        ("张\u200b三", 2, "U+200B"),
        ("\ufeff张三", 1, "U+FEFF"),
        ("abc\u202e", 4, "U+202E"),
        ("张三\u2069", 3, "U+2069"),
        ("张三\n", 3, "U+000A"),
        ("张\u2028三", 2, "U+2028"),
    ],
)
def test_it_names_the_first_invisible_character_of_a_single_line_text(text, position, code):
    assert invisible_character(text) == (position, code)
    with pytest.raises(ValidationError) as raised:
        validate_no_invisible_characters(text)
    assert f"第{position}个字符为 {code}" in raised.value.messages[0]


def test_it_keeps_line_breaks_and_tabs_in_a_text_block_but_not_direction_controls():
    validate_text_block("第一行\r\n第二行\t备注")
    with pytest.raises(ValidationError):
        validate_text_block("第一行\n\u202e第二行")
    with pytest.raises(ValidationError):
        validate_text_block("响铃\x07")


@pytest.mark.parametrize("phone", ["13800000000", "0391-1234567", "+8613800000000", "1234567", "1" * 20])
def test_it_accepts_mobile_landline_and_international_numbers(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone", ["123456", "1" * 21, "call me", "-13800000000", "138 0000 0000", "1380000000+"]
)
def test_it_refuses_phone_numbers_of_the_wrong_shape(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_it_takes_spaces_and_brackets_out_of_a_phone_number():
    assert normalize_phone(" (0391)\u3000123 4567（转8）") == "03911234567转8"


def test_it_gives_a_service_the_errors_of_each_field_with_an_invisible_character():
    errors = invisible_character_errors(name="张\u200b三", address="解放路1号", note="\u202e")

    assert list(errors) == ["name", "note"]
    assert "U+200B" in errors["name"][0] and "不可见字符" in errors["name"][0]
