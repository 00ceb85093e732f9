"""What the counter form checks like the online form and the imports do (issue #7): the phone number's format, a
graduation date not in the future, and names, addresses and notes free of control and invisible characters
(zero-width, text-direction controls) that make two equal-looking names different records or a text display in
another order than it is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registration.forms import CounterApplicationForm, RegisterForm, RejectForm, WithdrawForm
from registration.forms_public import OnlineApplicationForm
from registration.models import Application, Person

from .factories import citizen_id
from .test_counter_views import NEW, counter_post

pytestmark = pytest.mark.django_db

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM)
    "\u202a",  # left-to-right embedding
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\u00ad",  # soft hyphen (another format character)
    "\x07",  # a control character
]


def post(client, user, **overrides):
    client.force_login(user)
    return client.post(NEW, counter_post(citizen_id(), **overrides))


@pytest.mark.parametrize("phone", ["call me", "12345", "13900391000#1", "1390039100O", "+86+13900391000"])
def test_it_refuses_a_badly_formed_phone_number_at_the_counter(client, caseworker_jiefang, phone):
    response = post(client, caseworker_jiefang, phone=phone)

    assert response.status_code == 200
    assert "联系电话只能包含数字和“-”" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("139 0039 1000", "13900391000"),
        ("(0391) 123-4567", "0391123-4567"),
        ("+86 13900391000", "+8613900391000"),
    ],
)
def test_it_accepts_a_phone_number_with_spaces_and_brackets_and_stores_it_without(
    client, caseworker_jiefang, typed, stored
):
    response = post(client, caseworker_jiefang, phone=typed)

    assert response.status_code == 302
    assert Person.objects.get().phone == stored


def test_it_refuses_a_graduation_date_in_the_future_at_the_counter(client, caseworker_jiefang):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = post(
        client, caseworker_jiefang, is_graduate="on", graduate_school="河南理工大学", graduation_date=tomorrow
    )

    assert response.status_code == 200
    assert "毕业时间不能晚于今天" in response.content.decode()
    assert not Application.objects.exists()
    response = post(
        client,
        caseworker_jiefang,
        is_graduate="on",
        graduate_school="河南理工大学",
        graduation_date=tomorrow - timedelta(days=2),
    )
    assert response.status_code == 302


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_it_refuses_invisible_characters_in_the_name_at_the_counter(client, caseworker_jiefang, char):
    response = post(client, caseworker_jiefang, name=f"刘{char}一")

    assert response.status_code == 200
    html = response.content.decode()
    assert "不能含有不可见字符或控制字符" in html and f"U+{ord(char):04X}" in html
    assert not Person.objects.exists()


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_it_refuses_invisible_characters_in_the_name_on_the_online_form(office_jiefang, char):
    form = OnlineApplicationForm(
        data={
            "id_type": "01",
            "id_number": citizen_id(),
            "name": f"张{char}三",
            "basis": Application.Basis.RESIDENCE,
            "region": "410802",
            "commitment_accepted": "on",
        }
    )

    assert not form.is_valid()
    assert list(form.errors) == ["name"]


def test_it_refuses_direction_controls_in_the_address_and_school_at_the_counter(caseworker_jiefang):
    data = counter_post(
        citizen_id(),
        address="解放路\u202e号1",
        is_graduate="on",
        graduate_school="河南\u2067理工大学",
    )

    form = CounterApplicationForm(data, user=caseworker_jiefang)

    assert not form.is_valid()
    assert set(form.errors) == {"address", "graduate_school"}


def test_it_refuses_control_and_direction_characters_in_notes_but_keeps_line_breaks():
    assert not RegisterForm({"note": "已核实\u202e"}).is_valid()
    assert not RejectForm({"reason": "employed", "note": "比对\u200b发现"}).errors.get("reason")
    assert "note" in RejectForm({"reason": "employed", "note": "比对\u200b发现"}).errors
    assert "reason" in WithdrawForm({"reason": "本人电话\x1b要求撤回"}).errors
    assert WithdrawForm({"reason": "本人到窗口提出。\r\n已核对身份证件。\t签字确认"}).is_valid()


def test_it_accepts_rare_characters_and_the_middle_dot_in_names_at_the_counter(client, caseworker_jiefang):
    response = post(
        client, caseworker_jiefang, name="阿卜杜·𠮷"
    )  # a name with a dot and an extension-B character

    assert response.status_code == 302
    assert Person.objects.get().name == "阿卜杜·𠮷"
