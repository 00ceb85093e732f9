"""Code tables loaded from shared/codes as data, with the "must be in the code table" check."""

import pytest
from django.core.exceptions import ValidationError

from codes.lookup import choices, label, validate_code
from codes.models import CodeItem, CodeTable

pytestmark = pytest.mark.django_db


def test_it_loads_every_shipped_table_with_chinese_labels():
    assert set(CodeTable.objects.values_list("code", flat=True)) == {
        "AAC004",
        "AAC005",
        "AAC009",
        "AAC011",
        "AAC058",
        "ADC310",
        "AJC00A",
        "AJC093",
    }
    assert label("AJC00A", "31") == "连续3次拒绝接受公共就业服务"
    assert label("AAC058", "01") == "居民身份证（户口簿）"
    assert len(choices("AAC005")) == 56 + 2  # 56 ethnic groups plus the two "other" codes
    assert [c for c, _ in choices("AJC00A")] == [
        "11",
        "12",
        "13",
        "14",
        "21",
        "23",
        "24",
        "25",
        "26",
        "31",
        "32",
        "90",
    ]


def test_it_marks_the_notices_own_tables_read_only_and_the_others_editable():
    assert not CodeTable.objects.get(code="AJC00A").editable
    assert CodeTable.objects.get(code="ADC310").editable


def test_it_rejects_a_code_that_is_not_in_the_table():
    validate_code("AJC00A", "11")
    with pytest.raises(ValidationError) as exc:
        validate_code("AJC00A", "22")
    assert "AJC00A" in exc.value.messages[0] and "不在代码表中" in exc.value.messages[0]


def test_it_stops_offering_a_retired_code_but_keeps_its_label():
    CodeItem.objects.filter(table_id="ADC310", code="990").update(active=False)
    assert "990" not in dict(choices("ADC310"))
    assert label("ADC310", "990") == "其他"
    with pytest.raises(ValidationError):
        validate_code("ADC310", "990")


@pytest.mark.django_db
def test_the_labels_of_the_fixed_code_tables_follow_the_readers_language():
    from django.utils import translation

    from codes.lookup import choices, label

    with translation.override("en"):
        assert label("AAC004", "1") == "Male"
        assert dict(choices("AAC058"))["01"].startswith("Resident ID card")
        assert label("AJC00A", "26") != "死亡"
    with translation.override("zh-hans"):
        assert label("AAC004", "1") == "男"
        assert label("AJC00A", "26") == "死亡"
