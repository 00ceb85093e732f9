"""Shared form helpers (common/forms.py) and the one field partial and error summary (templates/includes/)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from common.forms import FocusFirstMixin, add_service_errors
from common.tables import ImportFileError


class PersonForm(FocusFirstMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=10)
    phone = forms.CharField(label="联系电话", required=False, help_text="用于短信")
    basis = forms.ChoiceField(
        label="登记地类型", choices=[("hukou", "户籍地"), ("residence", "常住地")], widget=forms.RadioSelect
    )
    agreed = forms.BooleanField(label="已阅读", required=False)


def render(form: forms.Form) -> str:
    html = render_to_string("includes/form_errors.html", {"form": form})
    for field in form:
        html += render_to_string("includes/form_field.html", {"field": field})
    return html


def valid_form() -> PersonForm:
    form = PersonForm({"name": "张三", "basis": "hukou"})
    assert form.is_valid()
    return form


def test_it_shows_a_service_error_keyed_to_a_field_the_form_lacks_on_top_of_the_form():
    form = valid_form()

    add_service_errors(form, ValidationError({"birth_date": "出生日期与证件不符", "phone": "号码已停用"}))

    assert form.non_field_errors() == ["出生日期与证件不符"]
    assert form.errors["phone"] == ["号码已停用"]
    html = render(form)
    assert "出生日期与证件不符" in html
    assert 'id="id_phone_error"' in html


def test_it_puts_an_unkeyed_service_error_on_top_or_on_the_given_field():
    form = valid_form()
    add_service_errors(form, ValidationError(["甲", "乙"]))
    assert form.non_field_errors() == ["甲", "乙"]

    form = valid_form()
    add_service_errors(form, ImportFileError("文件为空"), field="name")
    assert form.errors["name"] == ["文件为空"]


def test_it_focuses_the_first_field_in_error_and_only_that_one():
    form = PersonForm({"name": "", "phone": "x", "agreed": "on"})
    form.focus_first()

    html = render(form)

    assert html.count("autofocus") == 1
    assert re.search(r'<input type="text" name="name"[^>]*autofocus', html)
    form = PersonForm()
    form.focus_field = "phone"
    form.focus_first()
    assert re.search(r'<input type="text" name="phone"[^>]*autofocus', render(form))


def test_it_ties_labels_help_and_errors_to_their_inputs():
    form = PersonForm({"name": "", "phone": "1"})
    form.is_valid()

    html = render(form)

    assert '<label for="id_name">姓名</label>' in html
    assert re.search(r'name="name"[^>]*aria-invalid="true"[^>]*aria-describedby="id_name_error"', html)
    assert re.search(r'name="phone"[^>]*aria-describedby="id_phone_helptext"', html)
    assert 'id="id_phone_helptext"' in html
    # Radio choices: a fieldset named by its legend and described by its errors, one label per choice.
    assert re.search(r'<fieldset class="field" id="id_basis" aria-describedby="id_basis_error">', html)
    assert '<label for="id_basis_0">' in html
    assert '<label for="id_agreed">已阅读</label>' in html
    # The summary links to each field in error.
    assert 'role="alert"' in html and 'href="#id_name"' in html and 'href="#id_basis"' in html
