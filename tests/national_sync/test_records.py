"""Every rule of the attachment's table (一) on the upload record, through ``national_sync.records``."""

from __future__ import annotations

from datetime import date

import pytest

from deregistration.models import Exit
from national_sync import records
from national_sync.records import FIELDS, build_record, validate_record
from offices.models import Region
from registration.idnumbers import check_character

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
FEMALE_ID = "11010519491231002X"  # GB 11643's own example: female (17th digit 2 is even)


def valid(**changes) -> dict[str, str]:
    record = {
        "AAB301": "410802",
        "AAZ341": "TC2026112000000001",
        "AAC003": "张三",
        "AAC002": FEMALE_ID,
        "AAC058": "01",
        "AAC044": FEMALE_ID,
        "ADC210": "20261118",
        "AJC00A": "11",
        "AAE011": "李经办",
        "AAE036": "20261120",
        "AAE013": "",
    }
    record.update(changes)
    return record


def errors(record, sex="2", today=TODAY) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in validate_record(record, today=today, sex=sex)]


def fields(record, **kw) -> list[str]:
    return [f for f, _ in errors(record, **kw)]


def test_it_accepts_a_record_that_keeps_every_rule():
    assert errors(valid()) == []


def test_the_record_has_exactly_the_eleven_fields_in_the_attachments_order():
    assert FIELDS == (
        "AAB301", "AAZ341", "AAC003", "AAC002", "AAC058", "AAC044",
        "ADC210", "AJC00A", "AAE011", "AAE036", "AAE013",
    )  # fmt: skip


def test_it_builds_the_record_from_the_fields_the_exit_stored_with_dates_as_yyyymmdd():
    exit = Exit(
        region_code="410802",
        serial="TC2026112000000007",
        name="张三",
        social_security_number=FEMALE_ID,
        id_type="01",
        id_number=FEMALE_ID,
        deregistered_on=date(2026, 11, 18),
        reason="11",
        handler_name="李经办",
        effective_on=date(2026, 11, 20),
        remark="",
    )
    record = build_record(exit)
    assert list(record) == list(FIELDS)
    assert record == valid(AAZ341="TC2026112000000007")


# ---- required -------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [c for c in FIELDS if c != "AAE013"])
def test_it_refuses_a_record_without_a_required_field(code):
    found = errors(valid(**{code: ""}))
    assert (code, f"{code}（{records.SPEC[code].name}）不能为空") in found


def test_the_remark_aae013_may_be_empty():
    assert errors(valid(AAE013="")) == []


def test_a_field_of_only_spaces_counts_as_missing():
    assert "AAZ341" in fields(valid(AAZ341="   "))


# ---- lengths --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code,limit", [("AAZ341", 18), ("AAC003", 50), ("AAC044", 22), ("AAE011", 20), ("AAE013", 100)]
)
def test_it_refuses_a_field_longer_than_the_table_allows(code, limit):
    assert code not in fields(valid(**{code: "A" * limit}))
    too_long = errors(valid(**{code: "A" * (limit + 1)}))
    assert (
        code,
        f"{code}（{records.SPEC[code].name}）最多 {limit} 个字符，当前为 {limit + 1} 个",
    ) in too_long


def test_it_refuses_a_region_code_longer_than_six_characters():
    assert "AAB301" in fields(valid(AAB301="4108021"))


def test_it_refuses_a_reason_or_document_type_longer_than_two_characters():
    assert fields(valid(AJC00A="111")).count("AJC00A") == 2  # too long, and not in the table
    assert fields(valid(AAC058="011")).count("AAC058") == 2


def test_it_refuses_a_social_security_number_longer_than_eighteen_characters():
    assert "AAC002" in fields(valid(AAC002="A" + "1" * 18))


# ---- spaces ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["AAC003", "AAE011"])
@pytest.mark.parametrize("space", [" ", "\u3000"], ids=["half-width", "full-width"])
def test_it_refuses_a_half_or_full_width_space_in_the_name_and_the_handler(code, space):
    found = errors(valid(**{code: f"张{space}三"}))
    assert found == [(code, f"{code}（{records.SPEC[code].name}）不能含有半角或全角空格")]


def test_spaces_are_allowed_in_the_remark():
    assert errors(valid(AAE013="已 就业")) == []


# ---- AAC002 ---------------------------------------------------------------------------------------
def test_it_accepts_a_fifteen_digit_number():
    assert errors(valid(AAC002="110105491231002")) == []


@pytest.mark.parametrize("number", ["1101054912310", "1101054912310021", "11010519491231002X1"[:17]])
def test_it_refuses_a_number_not_starting_with_a_letter_that_is_not_15_or_18_long(number):
    assert errors(valid(AAC002=number)) == [
        ("AAC002", f"AAC002（社会保障号码）首位不是字母时应为15位或18位，当前为{len(number)}位")
    ]


def test_it_refuses_a_fifteen_character_number_with_a_non_digit():
    assert errors(valid(AAC002="11010549123100X")) == [
        ("AAC002", "AAC002（社会保障号码）15位公民身份号码不能含有非数字字符")
    ]


def test_it_refuses_an_eighteen_character_number_with_a_non_digit_in_the_first_seventeen():
    assert errors(valid(AAC002="1101051949123100AX")) == [
        ("AAC002", "AAC002（社会保障号码）18位公民身份号码前17位不能含有非数字字符")
    ]


@pytest.mark.parametrize("last", ["0", "1", "9", "x"])
def test_it_refuses_an_eighteen_digit_number_whose_check_character_is_wrong(last):
    assert errors(valid(AAC002=FEMALE_ID[:17] + last)) == [
        ("AAC002", "AAC002（社会保障号码）18位公民身份号码第18位校验码不正确")
    ]


def test_it_refuses_full_width_digits():
    assert "AAC002" in fields(valid(AAC002="１１０１０５４９１２３１００２"))


@pytest.mark.parametrize("number", [FEMALE_ID, "110105491231002"])
def test_it_refuses_a_number_whose_sex_digit_does_not_match_the_recorded_sex(number):
    assert errors(valid(AAC002=number), sex="1") == [
        ("AAC002", "AAC002（社会保障号码）公民身份号码与性别不符（登记的性别为男）")
    ]


def test_it_accepts_a_male_number_for_a_man():
    male = "11010519491231001"
    male += check_character(male)
    assert errors(valid(AAC002=male), sex="1") == []


def test_it_does_not_judge_the_sex_when_none_is_recorded():
    assert errors(valid(), sex="9") == []


def test_a_number_starting_with_a_letter_is_only_held_to_its_length():
    assert errors(valid(AAC002="A1234567", AAC058="03", AAC044="A1234567")) == []


# ---- code tables ----------------------------------------------------------------------------------
def test_it_refuses_a_document_type_not_in_aac058():
    assert errors(valid(AAC058="88")) == [("AAC058", "AAC058（证件类型）代码“88”不在代码表中")]


def test_it_refuses_a_reason_not_in_ajc00a():
    assert errors(valid(AJC00A="99")) == [("AJC00A", "AJC00A（注销失业登记原因）代码“99”不在代码表中")]


def test_it_refuses_a_region_code_that_is_not_gb_t_2260():
    assert errors(valid(AAB301="419999")) == [
        (
            "AAB301",
            "AAB301（失业登记注销地行政区划代码）“419999”不是国家标准（GB/T 2260）行政区划代码（本地自定义区划不能上传）",
        )
    ]


def test_it_refuses_a_locally_assigned_region():
    Region.objects.create(
        code="410871", name="焦作市城乡一体化示范区", parent_id="410800", level=3, is_local=True
    )
    records.reference_codes(fresh=True)
    assert fields(valid(AAB301="410871")) == ["AAB301"]


def test_it_accepts_a_real_county_city_and_province_code():
    for code in ("410825", "410800", "410000", "110105"):
        assert errors(valid(AAB301=code)) == [], code


# ---- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["ADC210", "AAE036"])
@pytest.mark.parametrize(
    "value", ["20261131", "2026-1-8", "2026111", "20261318", "２０２６１１１８", "00000000"]
)
def test_it_refuses_a_date_that_is_not_a_real_yyyymmdd_date(code, value):
    assert errors(valid(**{code: value})) == [
        (code, f"{code}（{records.SPEC[code].name}）应为格式为YYYYMMDD的有效日期，当前为“{value}”")
    ]


@pytest.mark.parametrize("code", ["ADC210", "AAE036"])
def test_it_refuses_a_date_after_today(code):
    assert errors(valid(**{code: "20261121"})) == [
        (code, f"{code}（{records.SPEC[code].name}）不能晚于系统当前日期（20261120）")
    ]


@pytest.mark.parametrize("code", ["ADC210", "AAE036"])
def test_it_accepts_todays_date(code):
    assert errors(valid(**{code: "20261120"})) == []


def test_it_reports_every_broken_rule_at_once():
    found = fields(valid(AAC003="张 三", AAE011="", AJC00A="99", ADC210="20261199"))
    assert sorted(found) == ["AAC003", "AAE011", "ADC210", "AJC00A"]
