"""Intake at the counter and online (issue #8): applicants under 16 are warned about at once, another document's
social-security number (AAC002) can be recorded, step 1 cleans and checks the number, an invalid number shows
only its own error, every message names its field in one voice, and over-long input is refused, never cut."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from registration import forms as staff_forms
from registration import forms_public, services
from registration.idnumbers import normalize_typed_number, to_15_digits, to_18_digits
from registration.models import Application, Person, RejectionReason
from workdays.calendar import SHANGHAI

from .factories import citizen_id, person_data, submit
from .test_counter_views import NEW, counter_post

pytestmark = pytest.mark.django_db

APPLY = reverse("apply:apply")
DJANGO_REQUIRED = "这个字段是必填项。"
ENDS_IN_X = next(n for seq in range(1000) if (n := citizen_id(date(1990, 1, 1), seq=seq)).endswith("X"))


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    """Monday 2026-11-23 10:00 Beijing time, inside the loaded working-day calendar (time keeps ticking)."""
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """An empty rate-limit counter for the online form in each test (a key prefix of its own)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-intake-{uuid.uuid4().hex}"}
    }


def today() -> date:
    return timezone.localdate()


def born_years_ago(years: int, *, days: int = 0) -> date:
    """The birth date of someone who turns ``years`` today, ``days`` later (a positive ``days``: still younger)."""
    t = today()
    return t.replace(year=t.year - years) + timedelta(days=days)


def lookup(client, number: str, id_type: str = "01"):
    return client.post(NEW, {"step": "lookup", "id_type": id_type, "id_number": number})


def online_data(**overrides) -> dict:
    data = {
        "id_type": "01",
        "id_number": citizen_id(),
        "name": "张三",
        "basis": Application.Basis.RESIDENCE,
        "region": "410802",
        "commitment_accepted": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def error_of(html: str, field: str) -> str:
    """The text of a field's error block on a rendered page (templates/includes/form_field.html)."""
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


# ---- under 16: warned at intake ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("years", "days", "warned"),
    [
        (16, 1, True),  # the 16th birthday is tomorrow
        (16, 0, False),  # 16 today
        (30, 0, False),
    ],
    ids=["day-before-16th-birthday", "16th-birthday", "thirty"],
)
def test_working_age_warning_follows_the_decisions_age_rule_at_the_16th_birthday(
    caseworker_jiefang, years, days, warned
):
    birth = born_years_ago(years, days=days)
    warning = services.working_age_warning(birth)

    assert bool(warning) is warned
    if warned:
        assert "未满16周岁" in warning and "现年15岁" in warning and "请当面告知" in warning
    # The decision agrees: it refuses exactly those warned about.
    application = submit(user=caseworker_jiefang, person=person_data(id_number=citizen_id(birth)))
    if warned:
        with pytest.raises(ValidationError) as refused:
            services.application_register(application=application, user=caseworker_jiefang)
        assert refused.value.code == "under_age"
        assert RejectionReason.OUT_OF_WORKING_AGE not in services.rejection_blockers(application)
    else:
        services.application_register(application=application, user=caseworker_jiefang)


def test_working_age_warning_speaks_to_the_applicant_online_and_needs_a_birth_date():
    notice = services.working_age_warning(born_years_ago(14), applicant=True)

    assert notice is not None and "您现年14岁" in notice and "不予登记" in notice
    assert services.working_age_warning(None) is None


def test_counter_step_one_warns_about_an_applicant_under_16_and_goes_on(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)

    response = lookup(client, citizen_id(born_years_ago(15)))

    html = response.content.decode()
    assert "第二步" in html  # a warning, not a refusal: the person may apply
    assert 'id="age-warning"' in html
    assert "申请人未满16周岁（按出生日期，现年15岁）" in html and "请当面告知申请人" in html


def test_counter_step_one_does_not_warn_about_an_applicant_of_16(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)

    response = lookup(client, citizen_id(born_years_ago(16)))

    assert 'id="age-warning"' not in response.content.decode()


def test_counter_step_two_takes_the_application_under_16_and_warns_again(
    client, caseworker_jiefang, office_jiefang
):
    client.force_login(caseworker_jiefang)
    number = citizen_id(born_years_ago(15))

    back = client.post(NEW, counter_post(number, name=""))  # comes back with a mistake: still warned
    assert 'id="age-warning"' in back.content.decode()

    response = client.post(NEW, counter_post(number), follow=True)

    html = response.content.decode()
    assert Application.objects.get().status == Application.Status.PENDING
    assert "已受理失业登记申请" in html
    assert '<li class="msg msg-warning">申请人未满16周岁' in html


def test_counter_step_two_warns_by_the_birth_date_of_another_document(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)

    response = client.post(
        NEW,
        counter_post("E12345678", id_type="08", name="", sex="1", birth_date=born_years_ago(15).isoformat()),
    )

    assert 'id="age-warning"' in response.content.decode()


def test_online_under_16_is_accepted_and_told_plainly_on_the_confirmation_page(client, office_jiefang):
    response = client.post(APPLY, online_data(id_number=citizen_id(born_years_ago(15))), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("apply:submitted")
    assert Application.objects.get().channel == Application.Channel.ONLINE
    assert 'id="age-notice"' in html
    assert "您现年15岁" in html and "失业登记申请将不予登记" in html

    # The next applicant, of working age, from the same browser is not told so.
    response = client.post(APPLY, online_data(), follow=True)
    assert 'id="age-notice"' not in response.content.decode()


def test_online_form_says_under_16_plainly_when_it_comes_back_with_a_mistake(client, office_jiefang):
    response = client.post(APPLY, online_data(id_number=citizen_id(born_years_ago(15)), name=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="age-notice"' in html and "您现年15岁" in html
    assert not Application.objects.exists()


# ---- AAC002 of another document ------------------------------------------------------------------------
def passport_post(**overrides) -> dict:
    """Step 2 for a passport holder: sex and birth date are typed."""
    fields = {"id_type": "08", "name": "JohnSmith", "sex": "1", "birth_date": "1988-04-05", **overrides}
    return counter_post("E12345678", **fields)


def valid_ssn(male: bool = True) -> str:
    """A citizen-ID-style AAC002 (17 digits and the check character), a man's unless ``male=False``."""
    return citizen_id(date(1988, 4, 5), seq=11 if male else 12)


@pytest.mark.parametrize("ssn", ["A1234567", "ab12 345", valid_ssn(), to_15_digits(valid_ssn())])
def test_counter_records_the_social_security_number_of_another_document(client, caseworker_jiefang, ssn):
    client.force_login(caseworker_jiefang)

    response = client.post(NEW, passport_post(social_security_number=ssn))

    assert response.status_code == 302
    person = Person.objects.get()
    assert person.social_security_number == ssn.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("ssn", "words"),
    [
        ("12345", "应为15位或18位，当前为5位"),
        (valid_ssn()[:16], "应为15位或18位，当前为16位"),
        (valid_ssn()[:17] + ("0" if valid_ssn()[17] != "0" else "1"), "校验码不正确"),
        ("1" * 14 + "A", "15位社会保障号码只能由数字组成"),
        (valid_ssn(male=False), "性别位与所填性别不符"),
        ("A-123", "只能由字母和数字组成"),
        ("A" + "1" * 18, "社会保障号码最多 18 个字，当前为 19 个字"),
    ],
    ids=["short", "16", "check-digit", "letter-inside-15", "sex", "dash", "too-long"],
)
def test_counter_refuses_a_social_security_number_against_the_upload_rules(
    client, caseworker_jiefang, ssn, words
):
    client.force_login(caseworker_jiefang)

    response = client.post(NEW, passport_post(social_security_number=ssn))

    assert response.status_code == 200
    assert words in error_of(response.content.decode(), "social_security_number")
    assert not Person.objects.exists()


def test_a_citizens_social_security_number_is_the_id_number_and_not_typed(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    number = citizen_id()

    response = client.post(NEW, counter_post(number, social_security_number=valid_ssn()))
    assert "社会保障号码即公民身份号码" in error_of(response.content.decode(), "social_security_number")

    response = client.post(NEW, counter_post(number))
    assert response.status_code == 302
    assert Person.objects.get().social_security_number == number


def test_person_save_keeps_the_recorded_social_security_number_when_an_application_leaves_it_blank(
    caseworker_jiefang,
):
    region = caseworker_jiefang.office.region
    passport = {
        "id_type": "08",
        "id_number": "E7654321",
        "name": "Ann",
        "sex": "2",
        "birth_date": date(1990, 1, 1),
    }

    services.person_save(
        data=person_data(**passport, social_security_number="a7654321"), region=region, by=caseworker_jiefang
    )
    person = services.person_save(data=person_data(**passport), region=region, by=caseworker_jiefang)

    assert person.social_security_number == "A7654321"
    with pytest.raises(ValidationError) as refused:
        services.person_save(
            data=person_data(**passport, social_security_number="123"), region=region, by=caseworker_jiefang
        )
    assert set(refused.value.error_dict) == {"social_security_number"}


def test_counter_step_one_fills_in_the_recorded_social_security_number(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    client.post(NEW, passport_post(social_security_number="A1234567"))
    services.application_withdraw(
        application=Application.objects.get(), user=caseworker_jiefang, reason="本人"
    )

    response = lookup(client, "e1234 5678", id_type="08")

    assert re.search(r'name="social_security_number" value="A1234567"', response.content.decode())


# ---- step 1 cleans and checks the number ------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        ENDS_IN_X[:17] + "x",
        f" {ENDS_IN_X[:6]} {ENDS_IN_X[6:14]} {ENDS_IN_X[14:17]}x ",
        "\u3000" + ENDS_IN_X[:9] + "\u3000" + ENDS_IN_X[9:17] + "ｘ",  # full-width spaces and x
        "".join(chr(ord(c) + 0xFEE0) for c in ENDS_IN_X),  # full-width digits and Ｘ
    ],
    ids=["lowercase-x", "spaces", "full-width-spaces", "full-width-digits"],
)
def test_counter_step_one_normalises_the_number(client, caseworker_jiefang, office_jiefang, typed):
    client.force_login(caseworker_jiefang)

    response = lookup(client, typed)

    html = response.content.decode()
    assert "第二步" in html
    assert f'name="id_number" value="{ENDS_IN_X}"' in html
    assert client.post(NEW, counter_post(ENDS_IN_X)).status_code == 302
    assert Person.objects.get().id_number == ENDS_IN_X


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (ENDS_IN_X[:17] + "1", "公民身份号码第18位校验码不正确"),
        (ENDS_IN_X[:17], "公民身份号码应为15位或18位，当前为17位"),
        (ENDS_IN_X[:17] + "X0", "公民身份号码应为15位或18位，当前为19位"),
        ("410802199013011234", "公民身份号码中的出生日期不是有效日期"),
    ],
    ids=["check-digit", "17-digits", "19-digits", "birth-date"],
)
def test_counter_step_one_reports_a_bad_number_before_the_form_is_filled(
    client, caseworker_jiefang, typed, message
):
    client.force_login(caseworker_jiefang)

    response = lookup(client, typed)

    html = response.content.decode()
    assert "第二步" not in html
    assert error_of(html, "id_number") == message
    assert re.search(r'name="id_number"[^>]*autofocus', html)


def test_counter_step_one_accepts_a_15_digit_number_and_keeps_its_18_digit_key(
    client, caseworker_jiefang, office_jiefang
):
    old = to_15_digits(citizen_id(date(1970, 3, 4)))
    client.force_login(caseworker_jiefang)

    response = lookup(client, old[:6] + " " + old[6:])

    assert f'name="id_number" value="{old}"' in response.content.decode()
    assert client.post(NEW, counter_post(old)).status_code == 302
    application = Application.objects.get()
    assert (application.person.id_number, application.id_number_as_typed) == (to_18_digits(old), old)


def test_counter_step_one_normalises_other_documents_without_checking_them_as_citizen_ids(
    client, caseworker_jiefang
):
    client.force_login(caseworker_jiefang)

    response = lookup(client, "e1234 5678", id_type="08")

    assert 'name="id_number" value="E12345678"' in response.content.decode()


def test_counter_step_two_normalises_a_number_edited_there(client, caseworker_jiefang, office_jiefang):
    client.force_login(caseworker_jiefang)

    response = client.post(NEW, counter_post(f"{ENDS_IN_X[:6]} {ENDS_IN_X[6:17]}x"))

    assert response.status_code == 302
    assert Person.objects.get().id_number == ENDS_IN_X


# ---- step 2 with an invalid number: only the number's error -------------------------------------------------
def test_counter_step_two_with_an_invalid_number_shows_only_the_numbers_error(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)

    response = client.post(NEW, counter_post(citizen_id()[:17] + "Y"))

    form = response.context["form"]
    assert set(form.errors) == {"id_number"}
    html = response.content.decode()
    assert "请选择性别" not in html and "请填写出生日期" not in html
    assert not Person.objects.exists()


def test_the_service_reports_only_the_number_for_an_invalid_citizen_id(caseworker_jiefang):
    with pytest.raises(ValidationError) as refused:
        services.person_save(
            data=person_data(id_number=citizen_id()[:17] + "Y"),
            region=caseworker_jiefang.office.region,
            by=caseworker_jiefang,
        )

    assert set(refused.value.error_dict) == {"id_number"}


def test_the_service_still_asks_sex_and_birth_date_for_another_document(caseworker_jiefang):
    with pytest.raises(ValidationError) as refused:
        services.person_save(
            data=person_data(id_type="08", id_number="E1"),
            region=caseworker_jiefang.office.region,
            by=caseworker_jiefang,
        )

    assert set(refused.value.error_dict) == {"sex", "birth_date"}


# ---- one voice: messages name their field --------------------------------------------------------------------
def test_a_blank_required_field_names_itself_on_the_counter_page(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)

    step1 = lookup(client, "").content.decode()
    step2 = client.post(NEW, counter_post(citizen_id(), name="", region="")).content.decode()

    assert error_of(step1, "id_number") == "请填写证件号码"
    assert error_of(step2, "name") == "请填写姓名"
    assert error_of(step2, "region") == "请选择登记地"
    assert DJANGO_REQUIRED not in step1 + step2


def test_a_blank_required_field_names_itself_on_the_online_page(client, office_jiefang):
    html = client.post(APPLY, online_data(name="", basis=None)).content.decode()

    assert error_of(html, "name") == "请填写姓名"
    assert "请选择登记地类型" in html
    assert DJANGO_REQUIRED not in html


def test_a_blank_required_field_names_itself_on_a_decision_form(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)

    verify = client.post(
        reverse("registration:application_verify", args=[application.code]), {"outcome": ""}, follow=True
    ).content.decode()
    reject = client.post(
        reverse("registration:application_reject", args=[application.code]), {"reason": ""}, follow=True
    ).content.decode()

    assert '<li class="msg msg-error">请选择人工核查结果</li>' in verify
    assert '<li class="msg msg-error">请填写核查情况</li>' in verify
    assert '<li class="msg msg-error">请选择不予登记原因</li>' in reject
    assert DJANGO_REQUIRED not in verify + reject


def test_a_region_not_on_the_list_is_named_at_the_counter(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)

    html = client.post(NEW, counter_post(citizen_id(), region="410825")).content.decode()  # another county

    assert error_of(html, "region") == "登记地：所选项目无效，请从列表中选择"


@pytest.mark.parametrize("code", ["41080", "4108021", "41O802"])
def test_a_badly_formed_region_code_is_named_at_the_counter(client, caseworker_jiefang, code):
    client.force_login(caseworker_jiefang)

    html = client.post(NEW, counter_post(citizen_id(), hukou_region=code)).content.decode()

    assert error_of(html, "hukou_region") == "户籍地行政区划代码应为6位数字，例如 410802"


STAFF_FORMS = [
    (staff_forms.LookupForm, {}),
    (staff_forms.CounterApplicationForm, {"user": "caseworker"}),
    (staff_forms.RegisterForm, {}),
    (staff_forms.RejectForm, {}),
    (staff_forms.WithdrawForm, {}),
    (staff_forms.ManualVerificationForm, {}),
    (staff_forms.BundleOpenForm, {}),
    (staff_forms.BundleStatusForm, {}),
    (staff_forms.PersonSearchForm, {}),
    (staff_forms.ComparisonImportForm, {}),
    (staff_forms.GraduatesImportForm, {}),
    (forms_public.OnlineApplicationForm, {}),
    (forms_public.ProgressQueryForm, {}),
]


@pytest.mark.parametrize(("form_class", "kwargs"), STAFF_FORMS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_intake_and_decision_form_speaks_with_one_voice(caseworker_jiefang, form_class, kwargs):
    kwargs = {k: caseworker_jiefang if v == "caseworker" else v for k, v in kwargs.items()}

    form = form_class({}, {}, **kwargs)
    form.is_valid()

    messages = [str(m) for errors in form.errors.values() for m in errors]
    assert DJANGO_REQUIRED not in messages
    for name, field in form.fields.items():
        assert "maxlength" not in field.widget.attrs, name
        if name in form.errors and field.label:
            assert str(field.label) in form.errors[name][0], name


# ---- over-long input: said, never cut -----------------------------------------------------------------------
LONG_NAME = "张" * 80


def test_an_over_long_name_at_the_counter_is_refused_with_its_length_and_nothing_saved(
    client, caseworker_jiefang
):
    client.force_login(caseworker_jiefang)

    step1 = lookup(client, citizen_id()).content.decode()
    response = client.post(NEW, counter_post(citizen_id(), name=LONG_NAME))

    assert re.search(r'<input[^>]*name="name"', step1)
    assert not re.search(r'<input[^>]*name="name"[^>]*maxlength', step1)
    html = response.content.decode()
    assert error_of(html, "name") == "姓名最多 50 个字，当前为 80 个字"
    assert LONG_NAME in html  # what was typed is kept for correcting
    assert not Person.objects.exists() and not Application.objects.exists()


def test_an_over_long_name_online_is_refused_with_its_length_and_nothing_saved(client, office_jiefang):
    form_page = client.get(APPLY).content.decode()
    response = client.post(APPLY, online_data(name=LONG_NAME))

    assert not re.search(r'<input[^>]*name="name"[^>]*maxlength', form_page)
    assert response.status_code == 200
    assert error_of(response.content.decode(), "name") == "姓名最多 50 个字，当前为 80 个字"
    assert not Person.objects.exists() and not Application.objects.exists()


def test_an_over_long_decision_note_is_refused_not_cut(client, caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang)
    client.force_login(caseworker_jiefang)

    response = client.post(
        reverse("registration:application_register", args=[application.code]),
        {"note": "核" * 501},
        follow=True,
    )

    assert (
        '<li class="msg msg-error">办理说明最多 500 个字，当前为 501 个字</li>' in response.content.decode()
    )
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_an_over_long_bundle_note_says_so_instead_of_asking_for_the_status(
    client, caseworker_jiefang, office_jiefang
):
    registration = services.application_register(
        application=submit(user=caseworker_jiefang), user=caseworker_jiefang
    )
    client.force_login(caseworker_jiefang)

    response = client.post(
        reverse("registration:bundle_open", args=[registration.code]),
        {"kind": "dibao", "note": "备" * 301},
        follow=True,
    )

    html = response.content.decode()
    assert '<li class="msg msg-error">备注最多 300 个字，当前为 301 个字</li>' in html
    assert not registration.bundle_requests.exists()


# ---- the normalisation itself --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        (" 41080219900101123x ", "41080219900101123X"),
        ("4108 0219 9001 0112 3x", "41080219900101123X"),
        ("\u3000４１０８０２１９９００１０１１２３ｘ\u3000", "41080219900101123X"),
        ("e1234\t5678", "E12345678"),
        ("", ""),
    ],
)
def test_normalize_typed_number_removes_spaces_and_full_width_forms(typed, clean):
    assert normalize_typed_number(typed) == clean
