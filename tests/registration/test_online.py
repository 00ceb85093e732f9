"""The applicant's public pages (no login): the online application (网上申请) and the progress query."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

import pytest
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse

from offices.models import Office
from registration.models import Application, Person, RejectionReason
from registration.services import application_register, application_reject
from workdays.calendar import SHANGHAI

from .factories import citizen_id, person_data, record_manual_check, submit

pytestmark = pytest.mark.django_db

APPLY = reverse("apply:apply")
STATUS = reverse("apply:status")
NOT_FOUND = "未找到与申请编号和证件号码相符的申请"


ID_ZHANG = citizen_id(date(1990, 1, 1), seq=123, male=True)
ID_LI = citizen_id(date(1985, 12, 12), seq=2, male=False)
ID_NOBODY = citizen_id(date(1970, 1, 1), seq=1)  # no application has it
ZHANG = person_data(id_number=ID_ZHANG, name="张三", phone="13800000000")
ONLINE = Application.Channel.ONLINE


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    """Monday 2026-11-23 10:00 Beijing time, inside the loaded working-day calendar (time keeps ticking)."""
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """An empty rate-limit counter for each test: a key prefix of its own (nothing else in Redis is wiped)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-online-{uuid.uuid4().hex}"}
    }


def status_badge(status: Application.Status) -> str:
    """The progress page's status, as shown only when the query found the application."""
    return f'id="status">{status.label}</span>'


def form_data(**overrides) -> dict:
    """The least an applicant has to enter: document, name, where to register, the commitment."""
    data = {
        "id_type": "01",
        "id_number": ID_ZHANG,
        "name": "张三",
        "basis": Application.Basis.RESIDENCE,
        "region": "410802",
        "commitment_accepted": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ---- the form -----------------------------------------------------------------------------------------
def test_it_shows_the_form_without_login_and_without_any_upload(client, office_jiefang):
    response = client.get(APPLY)

    assert response.status_code == 200
    html = response.content.decode()
    assert "网上申请失业登记" in html
    assert 'type="file"' not in html
    assert "multipart/form-data" not in html
    assert "只需本人有效身份证件" in html
    assert "终止或解除劳动关系证明" in html  # told plainly it is NOT needed
    assert "信息比对" in html  # the commitment text
    assert 'name="csrfmiddlewaretoken"' in html


def test_it_requires_only_the_document_name_region_basis_and_commitment(client, office_jiefang):
    form = client.get(APPLY).context["form"]

    required = {name for name, field in form.fields.items() if field.required}
    assert required == {"id_type", "id_number", "name", "region", "basis", "commitment_accepted"}
    assert form["id_type"].value() == "01"


def test_it_offers_the_regions_that_have_an_office_labelled_with_their_city(
    client, office_jiefang, office_wenxian
):
    html = client.get(APPLY).content.decode()

    assert '<optgroup label="焦作市">' in html
    assert "焦作市 · 解放区" in html
    assert "焦作市 · 温县" in html
    assert '<option value="410802"' in html
    assert "中站区" not in html  # no office there or above it
    assert "郑州市" not in html


def test_it_offers_only_the_deployments_province(client, settings, office_jiefang):
    Office.objects.create(code="T110101", name="东城区公共就业服务中心", region_id="110101")
    # Offices in two provinces and no setting saying which is meant: the list is not narrowed.
    assert "北京市 · 东城区" in client.get(APPLY).content.decode()

    settings.DEPLOYMENT_PROVINCE = "410000"
    html = client.get(APPLY).content.decode()

    assert "焦作市 · 解放区" in html
    assert "东城区" not in html


def test_it_labels_the_city_itself_when_its_office_serves_the_counties_too(client, office_jiaozuo):
    html = client.get(APPLY).content.decode()

    assert "焦作市（本级）" in html
    assert "焦作市 · 中站区" in html  # no office of its own: served by the city's


def test_it_focuses_the_first_field(client, office_jiefang):
    html = client.get(APPLY).content.decode()

    assert re.search(r"<select [^>]*name=\"id_type\"[^>]*autofocus", html)
    assert html.count("autofocus") == 1


def test_it_points_help_texts_out_to_assistive_technology(client, office_jiefang):
    html = client.get(APPLY).content.decode()

    assert 'aria-describedby="id_phone_helptext"' in html
    assert 'id="id_phone_helptext"' in html


# ---- applying -----------------------------------------------------------------------------------------
def test_it_takes_a_pending_online_application_due_in_three_working_days(client, office_jiefang):
    response = client.post(APPLY, form_data(phone="13812345678", address="解放区民主路1号"))

    assert response.status_code == 302
    assert response["Location"] == reverse("apply:submitted")
    assert ID_ZHANG not in response["Location"]
    application = Application.objects.get()
    assert application.status == Application.Status.PENDING
    assert application.channel == Application.Channel.ONLINE
    assert application.basis == Application.Basis.RESIDENCE
    assert application.region_id == "410802"
    assert application.office == office_jiefang
    assert application.received_by is None
    assert application.commitment_recorded_by is None
    assert application.submitted_at.astimezone(SHANGHAI).date() == date(2026, 11, 23)
    assert application.due_at == datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    person = application.person
    assert (person.name, person.sex, person.birth_date) == ("张三", "1", date(1990, 1, 1))
    assert (person.phone, person.address) == ("13812345678", "解放区民主路1号")


def test_it_confirms_with_the_number_the_office_the_due_date_and_the_query_link(client, office_jiefang):
    response = client.post(APPLY, form_data(), follow=True)

    application = Application.objects.get()
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("apply:submitted"), 302)]
    assert application.number in html
    assert "解放区公共就业服务中心" in html
    assert "将于 2026年11月26日 前办结" in html
    assert f"{STATUS}?number={application.number}" in html
    assert ID_ZHANG not in html


def test_it_sends_a_visitor_without_an_application_to_the_form(client, office_jiefang):
    response = client.get(reverse("apply:submitted"))

    assert response.status_code == 302
    assert response["Location"] == APPLY


def test_it_records_the_categories_served_as_registered_unemployed(client, office_jiefang):
    client.post(
        APPLY,
        form_data(
            unemployment_reason="10",
            is_graduate="on",
            graduate_school="河南理工大学",
            graduation_date="2026-06-30",
            draws_unemployment_subsidy="on",
            migrant_allowance=Application.MigrantAllowance.ONE_TIME,
        ),
    )

    application = Application.objects.get()
    assert application.unemployment_reason == "10"
    assert application.is_graduate is True
    assert application.graduate_school == "河南理工大学"
    assert application.graduation_date == date(2026, 6, 30)
    assert application.draws_unemployment_subsidy is True
    assert application.migrant_allowance == Application.MigrantAllowance.ONE_TIME


def test_it_refuses_without_the_commitment_and_says_so(client, office_jiefang):
    response = client.post(APPLY, form_data(commitment_accepted=None))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "告知承诺" in errors["commitment_accepted"][0]
    assert 'id="id_commitment_accepted_error"' in response.content.decode()
    assert not Application.objects.exists()


def test_it_names_each_missing_required_field(client, office_jiefang):
    response = client.post(APPLY, {"id_type": "01"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["id_number"] == ["请填写证件号码"]
    assert errors["name"] == ["请填写姓名"]
    assert errors["region"] == ["请选择登记地"]
    assert errors["basis"] == ["请选择登记地类型"]
    assert "告知承诺" in errors["commitment_accepted"][0]
    assert set(errors) == {"id_number", "name", "region", "basis", "commitment_accepted"}
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'href="#id_id_number"' in html  # the summary links to the field
    assert not Application.objects.exists()


def test_it_puts_an_invalid_citizen_id_error_next_to_the_number(client, office_jiefang):
    bad = ID_ZHANG[:17] + ("0" if ID_ZHANG[17] != "0" else "1")

    response = client.post(APPLY, form_data(id_number=bad))

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == ["公民身份号码第18位校验码不正确"]
    html = response.content.decode()
    assert 'id="id_id_number_error"' in html
    assert 'class="error"' in html
    assert 'aria-invalid="true"' in html
    assert not Application.objects.exists()
    assert not Person.objects.exists()


def test_it_accepts_a_lowercase_x_check_character(client, office_jiefang):
    ending_in_x = next(
        number for seq in range(1000) if (number := citizen_id(date(1990, 1, 1), seq=seq)).endswith("X")
    )

    response = client.post(APPLY, form_data(id_number=ending_in_x[:17] + "x"))

    assert response.status_code == 302
    assert Person.objects.get().id_number == ending_in_x


def test_it_asks_sex_and_birth_date_only_for_other_documents(client, office_jiefang):
    response = client.post(APPLY, form_data(id_type="08", id_number="E12345678", name="JohnSmith"))

    errors = response.context["form"].errors
    assert "性别" in errors["sex"][0]
    assert "出生日期" in errors["birth_date"][0]
    assert not Application.objects.exists()

    response = client.post(
        APPLY,
        form_data(id_type="08", id_number="E12345678", name="JohnSmith", sex="1", birth_date="1988-04-05"),
    )

    assert response.status_code == 302
    person = Application.objects.get().person
    assert (person.id_type, person.sex, person.birth_date) == ("08", "1", date(1988, 4, 5))


def test_it_finds_an_application_made_with_a_lowercase_passport_number(client, office_jiefang):
    client.post(
        APPLY,
        form_data(id_type="08", id_number="e12345678", name="JohnSmith", sex="1", birth_date="1988-04-05"),
    )
    application = Application.objects.get()

    response = client.post(STATUS, {"number": application.number, "id_number": "e12345678"})

    assert status_badge(Application.Status.PENDING) in response.content.decode()


def test_it_stops_taking_applications_politely_beyond_the_loaded_calendar(
    client, time_machine, office_jiefang
):
    # 2026-12-29: three working days later is in 2027, which the calendar does not hold yet.
    time_machine.move_to(datetime(2026, 12, 29, 10, 0, tzinfo=SHANGHAI))

    response = client.post(APPLY, form_data())

    assert response.status_code == 200
    assert "到就业服务窗口办理" in response.context["form"].non_field_errors()[0]
    assert not Application.objects.exists()
    assert not Person.objects.exists()


def test_it_refuses_a_duplicate_without_revealing_the_existing_case(client, office_jiefang):
    existing = submit(channel=ONLINE, person=ZHANG)

    response = client.post(APPLY, form_data(name="张三", phone="13999999999"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "无需重复申请" in html
    assert "查询办理进度" in html
    assert existing.number not in html
    assert Application.objects.count() == 1
    assert Person.objects.get().phone == "13800000000"  # the refused attempt changed nothing


def test_it_refuses_a_duplicate_of_an_active_registration_too(client, office_jiefang, caseworker_jiefang):
    registration = application_register(
        application=submit(channel=ONLINE, person=ZHANG), user=caseworker_jiefang
    )

    response = client.post(APPLY, form_data())

    html = response.content.decode()
    assert "无需重复申请" in html
    assert registration.number not in html
    assert Application.objects.count() == 1


def test_it_says_so_when_the_region_has_no_office_any_more(client, office_jiefang):
    form_page = client.get(APPLY)
    assert form_page.status_code == 200
    Office.objects.filter(pk=office_jiefang.pk).update(is_active=False)

    response = client.post(APPLY, form_data())

    assert response.status_code == 200
    assert "登记地" in response.context["form"].errors["region"][0]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"region": "999999"}, "region", "登记地"),
        ({"region": "410100"}, "region", "登记地"),  # a real region without an office
        ({"id_type": "zz"}, "id_type", "证件类型"),
        ({"basis": "anywhere"}, "basis", "登记地类型"),
        ({"id_number": "1" * 40}, "id_number", "证件号码"),
        ({"id_number": "12345"}, "id_number", "公民身份号码"),
        ({"name": "张 三"}, "name", "姓名"),
        ({"name": "张" * 60}, "name", "姓名"),
        ({"phone": "call me"}, "phone", "联系电话"),
        ({"unemployment_reason": "77"}, "unemployment_reason", "失业原因"),
        ({"migrant_allowance": "monthly"}, "migrant_allowance", "失业农民工生活补助"),
        (
            {"id_type": "08", "id_number": "E1", "sex": "1", "birth_date": "1990-13-45"},
            "birth_date",
            "出生日期",
        ),
        (
            {"id_type": "08", "id_number": "E1", "sex": "1", "birth_date": "2999-01-01"},
            "birth_date",
            "出生日期",
        ),
        ({"is_graduate": "on", "graduation_date": "2030-07-01"}, "graduation_date", "毕业时间"),
        ({"address": "a\x00b"}, "address", ProhibitNullCharactersValidator.message),
    ],
)
def test_it_answers_bad_input_with_a_message_on_the_field_never_a_500(
    client, office_jiefang, overrides, field, words
):
    response = client.post(APPLY, form_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert str(words) in errors[field][0]
    assert not Application.objects.exists()


def test_it_accepts_only_get_and_post(client, office_jiefang):
    assert client.put(APPLY).status_code == 405
    assert client.delete(STATUS).status_code == 405


def test_it_checks_the_csrf_token(office_jiefang):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(APPLY, form_data())

    assert response.status_code == 403
    assert not Application.objects.exists()


def test_the_login_page_links_applicants_to_both_pages(client):
    html = client.get(reverse("login")).content.decode()

    assert f'href="{APPLY}"' in html
    assert f'href="{STATUS}"' in html


# ---- the progress query -------------------------------------------------------------------------------
def test_it_shows_the_progress_for_the_right_pair(client, office_jiefang):
    Office.objects.filter(pk=office_jiefang.pk).update(phone="0391-1234567")
    application = submit(channel=ONLINE, person=ZHANG)

    response = client.post(STATUS, {"number": application.number.lower(), "id_number": ID_ZHANG})

    assert response.status_code == 200
    html = response.content.decode()
    assert status_badge(Application.Status.PENDING) in html
    assert application.number in html
    assert "2026年11月23日 10:00" in html
    assert "将于 2026年11月26日 前办结" in html
    assert "解放区公共就业服务中心" in html
    assert "0391-1234567" in html
    assert NOT_FOUND not in html


def test_it_prefills_the_number_from_the_confirmation_link(client, office_jiefang):
    response = client.get(STATUS, {"number": "SQ2026112300000001"})

    assert response.context["form"]["number"].value() == "SQ2026112300000001"
    assert 'name="id_number"' in response.content.decode()


@pytest.mark.parametrize("case", ["wrong id", "unknown number", "someone else's id"])
def test_it_gives_one_generic_answer_to_a_wrong_pair_and_reveals_nothing(client, office_jiefang, case):
    application = submit(channel=ONLINE, person=ZHANG)
    submit(channel=ONLINE, person=person_data(id_number=ID_LI, name="李四"))
    number, id_number = {
        "wrong id": (application.number, ID_NOBODY),
        "unknown number": ("SQ2026112399999999", ID_ZHANG),
        "someone else's id": (application.number, ID_LI),
    }[case]

    response = client.post(STATUS, {"number": number, "id_number": id_number})

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"].non_field_errors() == [
        "未找到与申请编号和证件号码相符的申请，请核对后重新输入。"
    ]
    assert "张三" not in html
    assert "李四" not in html
    assert "解放区公共就业服务中心" not in html
    assert str(Application.Status.PENDING.label) not in html


def test_it_answers_a_wrong_number_and_a_wrong_id_alike(client, office_jiefang):
    application = submit(channel=ONLINE, person=ZHANG)

    def answer(number: str, id_number: str) -> str:
        html = client.post(STATUS, {"number": number, "id_number": id_number}).content.decode()
        # Apart from the visitor's own input echoed back into the form and the (per-response) CSRF token.
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        return html.replace(number, "N").replace(id_number, "I")

    assert answer(application.number, ID_NOBODY) == answer("SQ2026112399999999", ID_NOBODY)


def test_it_names_the_missing_query_fields(client):
    response = client.post(STATUS, {"number": "", "id_number": ""})

    errors = response.context["form"].errors
    assert errors["number"] == ["请填写申请编号"]
    assert errors["id_number"] == ["请填写证件号码"]


def test_it_shows_a_rejected_application_with_its_reason_and_explanation(
    client, office_jiefang, caseworker_jiefang
):
    pending = submit(channel=ONLINE, person=ZHANG)
    record_manual_check(pending, caseworker_jiefang)
    application = application_reject(
        application=pending,
        user=caseworker_jiefang,
        reason=RejectionReason.EMPLOYED,
        note="内部说明",
    )

    html = client.post(STATUS, {"number": application.number, "id_number": ID_ZHANG}).content.decode()

    assert status_badge(Application.Status.REJECTED) in html
    assert str(RejectionReason.EMPLOYED.label) in html
    assert application.rejection_explanation in html
    assert "请到窗口说明情况" in html
    assert "内部说明" not in html  # the caseworker's note is internal


def test_it_shows_a_registered_application_with_its_registration_number(
    client, office_jiefang, caseworker_jiefang
):
    application = submit(channel=ONLINE, person=ZHANG)
    registration = application_register(application=application, user=caseworker_jiefang)

    html = client.post(STATUS, {"number": application.number, "id_number": ID_ZHANG}).content.decode()

    assert status_badge(Application.Status.REGISTERED) in html
    assert registration.number in html


def test_it_limits_queries_per_client_address_per_hour(client, settings, office_jiefang):
    settings.PROGRESS_QUERY_LIMIT_PER_HOUR = 3
    application = submit(channel=ONLINE, person=ZHANG)
    right = {"number": application.number, "id_number": ID_ZHANG}
    wrong = {"number": "SQ2026112399999999", "id_number": ID_ZHANG}

    for data in (wrong, wrong, right):
        assert client.post(STATUS, data, REMOTE_ADDR="10.1.2.3").status_code == 200
    response = client.post(STATUS, right, REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 429
    html = response.content.decode()
    assert "查询过于频繁" in html
    # No answer over the limit, even for the right pair.
    assert str(Application.Status.PENDING.label) not in html
    # Another address has its own allowance; a forged X-Forwarded-For does not reset one.
    assert client.post(STATUS, right, REMOTE_ADDR="10.9.9.9").status_code == 200
    forged = client.post(STATUS, right, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert forged.status_code == 429


def test_the_limit_starts_again_the_next_hour(client, settings, time_machine, office_jiefang):
    settings.PROGRESS_QUERY_LIMIT_PER_HOUR = 1
    data = {"number": "SQ2026112399999999", "id_number": ID_ZHANG}
    assert client.post(STATUS, data).status_code == 200
    assert client.post(STATUS, data).status_code == 429

    time_machine.move_to(datetime(2026, 11, 23, 11, 0, 1, tzinfo=SHANGHAI))

    assert client.post(STATUS, data).status_code == 200


def test_a_plain_visit_to_the_query_page_is_not_counted(client, settings):
    settings.PROGRESS_QUERY_LIMIT_PER_HOUR = 1
    for _ in range(3):
        assert client.get(STATUS).status_code == 200


def test_it_limits_online_submissions_per_client_address_per_hour(client, settings, office_jiefang):
    # Each submission tells whether a document already has a case, so submissions are counted too.
    settings.ONLINE_APPLICATION_LIMIT_PER_HOUR = 2
    for _ in range(2):
        assert client.post(APPLY, form_data(id_number="x"), REMOTE_ADDR="10.7.7.7").status_code == 200
    response = client.post(APPLY, form_data(), REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert not Application.objects.exists()
    assert client.post(APPLY, form_data(), REMOTE_ADDR="10.8.8.8").status_code == 302
