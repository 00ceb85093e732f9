"""The cleaning report (Henan 三): each kind of registration that may not count, with the action to take."""

from datetime import date, datetime

import pytest

from followup.models import Case, ContactAttempt
from registration.models import ComparisonRecord, ImportBatch
from unemployment_stats.cleaning import findings
from unemployment_stats.retirement import MEN, WOMEN_50, WOMEN_55, earliest_retirement_date, retirement_date

from .factories import SH, person, registration

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)


def kinds_of(user, number):
    return sorted(f.kind for f in findings(user, today=TODAY) if f.number == number)


def test_it_flags_an_invalid_citizen_id_to_correct(ops_jiaozuo, supervisor_jiaozuo):
    reg = registration(
        person("甲", born=date(1990, 1, 1), id_number="410802199001010000"), ops_jiaozuo, on=date(2026, 9, 1)
    )
    found = [f for f in findings(supervisor_jiaozuo, today=TODAY) if f.number == reg.number]
    assert [f.kind for f in found] == ["invalid_id"]
    assert "更正" in found[0].action and "*" in found[0].masked_id


def test_it_flags_the_same_person_under_a_15_and_an_18_digit_number(ops_jiaozuo, supervisor_jiaozuo):
    eighteen = person("乙", born=date(1970, 3, 4))
    fifteen = eighteen.id_number[:6] + eighteen.id_number[8:17]
    person("乙", born=date(1970, 3, 4), id_number=fifteen)
    reg = registration(eighteen, ops_jiaozuo, on=date(2026, 9, 1))
    assert "duplicate" in kinds_of(supervisor_jiaozuo, reg.number)


def test_it_flags_the_same_person_under_two_document_types(ops_jiaozuo, supervisor_jiaozuo):
    citizen = person("丙", born=date(1991, 5, 6), sex="2")
    person("丙", born=date(1991, 5, 6), sex="2", id_type="03", id_number="P1234567")
    reg = registration(citizen, ops_jiaozuo, on=date(2026, 9, 1))
    found = [
        f
        for f in findings(supervisor_jiaozuo, today=TODAY)
        if f.number == reg.number and f.kind == "duplicate"
    ]
    assert found and "合并" in found[0].action


def test_it_flags_a_pension_or_death_from_the_comparison_imports(ops_jiaozuo, supervisor_jiaozuo):
    drawing = person("丁", born=date(1975, 1, 1))
    dead = person("戊", born=date(1976, 1, 1))
    a = registration(drawing, ops_jiaozuo, on=date(2026, 9, 1))
    b = registration(dead, ops_jiaozuo, on=date(2026, 9, 1))
    batch = ImportBatch.objects.first()
    ComparisonRecord.objects.create(
        source="pension",
        id_number=drawing.id_number,
        name="丁",
        organisation="养老保险",
        start_date=date(2026, 10, 1),
        batch=batch,
    )
    ComparisonRecord.objects.create(
        source="death",
        id_number=dead.id_number,
        name="戊",
        organisation="民政",
        start_date=date(2026, 10, 2),
        batch=batch,
    )
    assert "pension" in kinds_of(supervisor_jiaozuo, a.number)
    assert "deceased" in kinds_of(supervisor_jiaozuo, b.number)
    found = [f for f in findings(supervisor_jiaozuo, today=TODAY) if f.kind == "pension"]
    assert "21" in found[0].action


def test_it_flags_a_pension_or_death_proposed_by_the_deregistration_imports_until_dismissed(
    ops_jiaozuo, supervisor_jiaozuo, caseworker_jiefang
):
    """The deregistration stage's pension (21) and death (26) lists land as open exit proposals; the cleaning
    report shows them until a caseworker dismisses the proposal."""
    from deregistration.models import ExitProposal
    from deregistration.services import exit_proposal_dismiss

    a = registration(person("庚", born=date(1975, 2, 1)), ops_jiaozuo, on=date(2026, 9, 1))
    b = registration(person("辛", born=date(1976, 2, 1)), ops_jiaozuo, on=date(2026, 9, 1))
    pension = ExitProposal.objects.create(
        registration=a,
        region=a.region,
        code="21",
        source="pension",
        event_on=date(2026, 10, 1),
        evidence="社保核定",
    )
    ExitProposal.objects.create(
        registration=b,
        region=b.region,
        code="26",
        source="death",
        event_on=date(2026, 10, 2),
        evidence="民政",
    )
    assert "pension" in kinds_of(supervisor_jiaozuo, a.number)
    assert "deceased" in kinds_of(supervisor_jiaozuo, b.number)
    exit_proposal_dismiss(proposal=pension, user=caseworker_jiefang, reason="核定有误")
    assert "pension" not in kinds_of(supervisor_jiaozuo, a.number)


def test_it_flags_past_the_statutory_retirement_age_only_to_check(ops_jiaozuo, supervisor_jiaozuo):
    old = registration(person("己", born=date(1965, 6, 1), sex="1"), ops_jiaozuo, on=date(2026, 9, 1))
    young = registration(person("庚", born=date(1967, 6, 1), sex="1"), ops_jiaozuo, on=date(2026, 9, 1))
    found = [f for f in findings(supervisor_jiaozuo, today=TODAY) if f.number == old.number]
    assert [f.kind for f in found] == ["retirement_age"]
    assert "不因年龄注销" in found[0].action
    assert kinds_of(supervisor_jiaozuo, young.number) == []


def test_the_2025_reform_schedule():
    assert retirement_date(date(1964, 12, 15), MEN) == date(2024, 12, 15)  # before the reform: 60
    assert retirement_date(date(1965, 1, 15), MEN) == date(2025, 2, 15)  # 60 + 1 month
    assert retirement_date(date(1965, 5, 15), MEN) == date(2025, 7, 15)  # 60 + 2 months
    assert retirement_date(date(1980, 1, 1), MEN) == date(2043, 1, 1)  # 63
    assert retirement_date(date(1975, 1, 10), WOMEN_50) == date(2025, 2, 10)  # 50 + 1 month
    assert retirement_date(date(1975, 3, 10), WOMEN_50) == date(2025, 5, 10)  # 50 + 2 months
    assert retirement_date(date(1990, 1, 1), WOMEN_50) == date(2045, 1, 1)  # 55
    assert retirement_date(date(1970, 1, 31), WOMEN_55) == date(2025, 2, 28)  # 55 + 1 month, short month
    assert earliest_retirement_date("2", date(1974, 12, 1)) == date(2024, 12, 1)


def test_it_flags_no_reached_contact_for_six_months(ops_jiaozuo, supervisor_jiaozuo):
    stale = registration(person("辛", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 3, 1))
    fresh = registration(person("壬", born=date(1990, 1, 2)), ops_jiaozuo, on=date(2026, 3, 1))
    recent = registration(person("癸", born=date(1990, 1, 3)), ops_jiaozuo, on=date(2026, 10, 1))
    for reg in (stale, fresh):
        Case.objects.create(
            registration=reg,
            region_id=reg.region_id,
            responsible=ops_jiaozuo,
            first_contact_due_at=reg.first_contact_due_at,
        )
    ContactAttempt.objects.create(
        case_id=stale.pk,
        channel="phone",
        at=datetime(2026, 4, 1, 10, tzinfo=SH),
        by=ops_jiaozuo,
        reached=True,
    )
    ContactAttempt.objects.create(
        case_id=stale.pk,
        channel="phone",
        at=datetime(2026, 11, 1, 10, tzinfo=SH),
        by=ops_jiaozuo,
        reached=False,
        not_reached_reason="no_answer",
    )
    ContactAttempt.objects.create(
        case_id=fresh.pk,
        channel="phone",
        at=datetime(2026, 7, 1, 10, tzinfo=SH),
        by=ops_jiaozuo,
        reached=True,
    )
    found = {f.number: f for f in findings(supervisor_jiaozuo, today=TODAY) if f.kind == "no_contact"}
    assert set(found) == {stale.number}
    assert "2026-11-01" in found[stale.number].detail and "32" in found[stale.number].action
    assert recent.number not in found


def test_it_reads_only_the_users_region(ops_jiaozuo, caseworker_wenxian):
    registration(
        person("甲", born=date(1990, 1, 1), id_number="410802199001010000"), ops_jiaozuo, on=date(2026, 9, 1)
    )
    assert findings(caseworker_wenxian, today=TODAY) == []
