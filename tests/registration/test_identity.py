"""One person, one identity: a legacy 15-digit citizen ID and its 18-digit form (GB 11643) are the same person.

The 18-digit form is the identity key (``Person.id_number``); what was typed stays on the application.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from registration import idnumbers, services
from registration.idnumbers import birth_date_from_id, check_character, sex_from_id, validate_citizen_id
from registration.imports import cells, comparison_import, graduates_import
from registration.models import (
    Application,
    ComparisonRecord,
    ImportBatch,
    Person,
    RejectionReason,
    Verification,
)
from registration.selectors import application_progress, person_by_document, person_search

from .factories import citizen_id, person_data, submit
from .test_imports import COMPARISON_HEADERS, GRADUATE_HEADERS, csv_file, xlsx_file

pytestmark = pytest.mark.django_db

# The standard's own example, 11010519491231002X, and the 15-digit number it was converted from.
OLD = "110105491231002"
NEW = "11010519491231002X"
# A man born 1965-03-12 in 解放区, in both forms.
OLD_JF = "410802650312123"
NEW_JF = "41080219650312123" + check_character("41080219650312123")


# ---- the conversion ------------------------------------------------------------------------------------


def test_it_converts_a_15_digit_id_to_the_18_digit_form_of_the_standard():
    assert idnumbers.to_18_digits(OLD) == NEW
    assert idnumbers.to_18_digits(OLD_JF) == NEW_JF


@pytest.mark.parametrize(
    "bad",
    ["11010549123100", "1101054912310021", "11010549123100A", "110105491331002", "110105490230002", ""],
)
def test_it_refuses_to_convert_what_is_not_a_valid_15_digit_number(bad):
    with pytest.raises(ValueError):
        idnumbers.to_18_digits(bad)


@given(
    region=st.integers(min_value=110000, max_value=659999),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
)
def test_the_18_digit_form_is_valid_with_the_same_region_birth_date_serial_and_sex(region, born, serial):
    legacy = f"{region}{born:%y%m%d}{serial:03d}"
    validate_citizen_id(legacy)

    converted = idnumbers.to_18_digits(legacy)

    validate_citizen_id(converted)
    assert converted[:6] == legacy[:6] and converted[14:17] == legacy[12:15]
    assert birth_date_from_id(converted) == birth_date_from_id(legacy) == born
    assert sex_from_id(converted) == sex_from_id(legacy)
    assert idnumbers.citizen_id_key(legacy) == idnumbers.citizen_id_key(converted) == converted
    assert (
        set(idnumbers.citizen_id_forms(converted))
        == set(idnumbers.citizen_id_forms(legacy))
        == {legacy, converted}
    )


def test_the_identity_key_leaves_anything_else_as_typed():
    key, forms = idnumbers.citizen_id_key, idnumbers.citizen_id_forms
    assert key(" 11010519491231002x ") == NEW
    assert key("G12345678") == "G12345678"
    assert key("110105491331002") == "110105491331002"  # not a valid date: left for the validator
    born_2005 = "41080220050312123" + check_character("41080220050312123")
    assert forms(born_2005) == [born_2005]  # born after 1999: no 15-digit form


def test_an_import_cell_keeps_the_number_as_typed_and_gives_the_key_on_request():
    assert cells.cell_citizen_id(OLD) == OLD
    assert cells.cell_citizen_id_key(OLD) == NEW


# ---- one person ----------------------------------------------------------------------------------------


def test_it_treats_a_15_digit_id_and_its_18_digit_form_as_one_person_at_the_counter(
    caseworker_jiefang, office_jiefang
):
    first = submit(user=caseworker_jiefang, person=person_data(id_number=OLD_JF, name="王五"))

    assert first.person.id_number == NEW_JF == first.person.social_security_number
    with pytest.raises(services.DuplicateApplication) as exc:
        submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五"))
    assert exc.value.existing == first
    services.application_reject(
        application=first, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    second = submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五"))
    assert second.person == first.person
    assert Person.objects.count() == 1


def test_it_keeps_the_number_as_typed_on_the_application(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang, person=person_data(id_number=f" {OLD_JF} ", name="王五"))

    assert application.id_number_as_typed == application.typed_id_number == OLD_JF
    assert application.person.id_number == NEW_JF
    services.application_reject(
        application=application, user=caseworker_jiefang, reason=RejectionReason.NO_JOB_SEEKING
    )
    again = submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF.lower(), name="王五"))
    assert again.id_number_as_typed == NEW_JF


@pytest.fixture
def fresh_cache(settings):
    """An empty rate-limit counter for the online form (a key prefix of its own)."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-identity-{uuid.uuid4().hex}"}
    }


def test_it_treats_a_15_digit_id_and_its_18_digit_form_as_one_person_online(
    client, caseworker_jiefang, office_jiefang, fresh_cache
):
    registration = services.application_register(
        application=submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五")),
        user=caseworker_jiefang,
    )

    response = client.post(
        reverse("apply:apply"),
        {
            "id_type": "01",
            "id_number": OLD_JF,
            "name": "王五",
            "basis": Application.Basis.RESIDENCE,
            "region": "410802",
            "commitment_accepted": "on",
        },
    )

    assert response.status_code == 200
    assert "无需重复申请" in response.content.decode()
    assert Application.objects.get() == registration.application
    assert Person.objects.count() == 1


def test_the_counter_finds_the_open_case_by_the_15_digit_form_at_step_one(
    client, caseworker_jiefang, office_jiefang
):
    pending = submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五"))
    client.force_login(caseworker_jiefang)

    html = client.post(
        reverse("registration:application_new"), {"step": "lookup", "id_type": "01", "id_number": OLD_JF}
    ).content.decode()

    assert pending.number in html and "第二步" not in html
    assert person_by_document("01", OLD_JF) == pending.person


def test_search_finds_a_person_by_either_form(caseworker_jiefang, office_jiefang):
    application = submit(user=caseworker_jiefang, person=person_data(id_number=OLD_JF, name="王五"))

    for number in (OLD_JF, NEW_JF):
        assert list(person_search(caseworker_jiefang, number)) == [application.person], number
        assert application_progress(application.number, number) == application, number


def test_a_15_digit_comparison_record_matches_the_18_digit_person(ops_jiaozuo, caseworker_jiefang):
    start = timezone.localdate() - timedelta(days=400)
    comparison_import(
        file=csv_file([COMPARISON_HEADERS, [OLD_JF, "王五", "焦作某机械有限公司", f"{start:%Y-%m-%d}", ""]]),
        kind=ImportBatch.Kind.SOCIAL_INSURANCE,
        user=ops_jiaozuo,
    )
    assert ComparisonRecord.objects.get().id_number == NEW_JF

    found = submit(
        user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五")
    ).verifications.get()

    assert found.outcome == Verification.Outcome.EMPLOYMENT_FOUND


def test_a_comparison_record_kept_in_the_15_digit_form_still_matches(ops_jiaozuo, caseworker_jiefang):
    """A record the data migration could not convert (its 18-digit twin was already held) is still found."""
    start = timezone.localdate() - timedelta(days=400)
    batch = comparison_import(
        file=csv_file([COMPARISON_HEADERS, [NEW_JF, "王五", "焦作某机械有限公司", f"{start:%Y-%m-%d}", ""]]),
        kind=ImportBatch.Kind.SOCIAL_INSURANCE,
        user=ops_jiaozuo,
    )
    ComparisonRecord.objects.update(id_number=OLD_JF)
    assert batch.created_rows == 1

    found = submit(
        user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五")
    ).verifications.get()

    assert found.outcome == Verification.Outcome.EMPLOYMENT_FOUND


def test_a_graduate_list_with_the_15_digit_form_finds_the_person_on_file(ops_jiaozuo, caseworker_jiefang):
    pending = submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五"))
    rows = [GRADUATE_HEADERS, [OLD_JF, "王五", "河南理工大学", "2025-06-30", "", "", ""]]

    batch = graduates_import(file=xlsx_file(rows), user=ops_jiaozuo)

    assert (batch.created_rows, batch.skipped_rows, batch.error_rows) == (0, 1, 0)
    assert list(Person.objects.all()) == [pending.person]


# ---- existing data -------------------------------------------------------------------------------------


def test_the_migration_converts_15_digit_numbers_and_reports_conflicts_without_merging(
    caseworker_jiefang, office_jiefang, capsys
):
    folder = Path(importlib.import_module("registration.migrations").__file__).parent
    (module,) = [f.stem for f in folder.glob("*_person_identity_and_visibility.py")]  # whatever its number
    migration = importlib.import_module(f"registration.migrations.{module}")
    legacy = submit(user=caseworker_jiefang, person=person_data(id_number=NEW_JF, name="王五"))
    twin_old = submit(user=caseworker_jiefang, person=person_data(id_number=citizen_id(), name="赵六"))
    twin_new = submit(user=caseworker_jiefang, person=person_data(id_number=citizen_id(), name="赵六"))
    # As before this change: 15-digit numbers on file, nothing recorded as typed.
    Person.objects.filter(pk=legacy.person.pk).update(id_number=OLD_JF, social_security_number=OLD_JF)
    Person.objects.filter(pk=twin_old.person.pk).update(id_number=OLD, social_security_number=OLD)
    Person.objects.filter(pk=twin_new.person.pk).update(id_number=NEW, social_security_number=NEW)
    Application.objects.update(id_number_as_typed="")

    from django.apps import apps

    migration.convert_citizen_ids(apps, None)

    person = Person.objects.get(pk=legacy.person.pk)
    assert (person.id_number, person.social_security_number) == (NEW_JF, NEW_JF)
    assert Application.objects.get(pk=legacy.pk).id_number_as_typed == OLD_JF
    assert Application.objects.get(pk=twin_old.pk).typed_id_number == OLD  # blank: the person's number
    assert Person.objects.get(pk=twin_old.person.pk).id_number == OLD  # left for a person to merge
    assert Person.objects.get(pk=twin_new.person.pk).id_number == NEW
    out = capsys.readouterr().out
    assert str(twin_old.person.code) in out and str(twin_new.person.code) in out
    assert OLD not in out and NEW not in out  # numbers are not written to logs
    assert "converted 1" in out and "1 left" in out


def test_the_name_check_applies_to_a_15_digit_number_too(caseworker_jiefang, office_jiefang):
    submit(channel=Application.Channel.ONLINE, person=person_data(id_number=NEW_JF, name="王五"))
    with pytest.raises(ValidationError) as exc:
        submit(channel=Application.Channel.ONLINE, person=person_data(id_number=OLD_JF, name="冒名"))
    assert "name" in exc.value.message_dict
