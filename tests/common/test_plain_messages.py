"""common.forms.apply_plain_messages / PlainMessagesMixin: one voice for every form (issue #8)."""

from __future__ import annotations

import pytest
from django import forms

from common.forms import PlainMessagesMixin
from offices.models import Region

pytestmark = pytest.mark.django_db


class SampleForm(PlainMessagesMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=5)
    basis = forms.ChoiceField(label="登记地类型", choices=[("hukou", "户籍地")])
    region = forms.ModelChoiceField(label="登记地", queryset=Region.objects.none(), to_field_name="code")
    agreed = forms.BooleanField(label="已阅读告知承诺")
    file = forms.FileField(label="文件")
    born = forms.DateField(label="出生日期", required=False)
    reason = forms.CharField(label="撤回原因", error_messages={"required": "请填写撤回原因（本人要求）"})


def test_required_messages_name_the_field_in_the_verb_of_its_kind():
    form = SampleForm({})

    assert not form.is_valid()
    assert form.errors["name"] == ["请填写姓名"]
    assert form.errors["basis"] == ["请选择登记地类型"]
    assert form.errors["region"] == ["请选择登记地"]
    assert form.errors["agreed"] == ["请勾选已阅读告知承诺"]
    assert form.errors["file"] == ["请选择文件"]
    assert form.errors["reason"] == ["请填写撤回原因（本人要求）"]  # a field's own message is kept


def test_a_choice_not_on_the_list_is_named_for_model_choices_too():
    form = SampleForm({"basis": "anywhere", "region": "999999", "born": "1990-13-01"})

    assert not form.is_valid()
    assert form.errors["basis"] == ["登记地类型：所选项目无效，请从列表中选择"]
    assert form.errors["region"] == ["登记地：所选项目无效，请从列表中选择"]
    assert form.errors["born"] == ["出生日期格式不正确，请按“年-月-日”填写，例如 1990-05-01"]


def test_over_long_text_is_refused_with_its_length_not_cut_by_the_browser():
    form = SampleForm({"name": "张" * 8})

    assert "maxlength" not in str(form["name"])
    assert not form.is_valid()
    assert form.errors["name"] == ["姓名最多 5 个字，当前为 8 个字"]
    # The class's field is untouched: another form built from it gets its own copy.
    assert "maxlength" in SampleForm.base_fields["name"].widget.attrs
