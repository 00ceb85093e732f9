"""Notice 四: 31 and 32 are never offered without the streak, and 31/32/90 always need a supervisor."""

import pytest

from codes.models import CodeItem
from deregistration.rules import ALL_CODES, NEEDS_APPROVAL, codes_offered


def test_it_offers_every_code_but_31_and_32_without_streaks():
    assert codes_offered(refusals_in_a_row=0, unreachable_months=0) == set(ALL_CODES) - {"31", "32"}


@pytest.mark.parametrize(("refusals", "offered"), [(2, False), (3, True), (7, True)])
def test_it_offers_31_only_after_3_refusals_in_a_row(refusals, offered):
    assert ("31" in codes_offered(refusals_in_a_row=refusals, unreachable_months=0)) is offered


@pytest.mark.parametrize(("months", "offered"), [(5, False), (6, True), (12, True)])
def test_it_offers_32_only_after_6_unreachable_months(months, offered):
    assert ("32" in codes_offered(refusals_in_a_row=0, unreachable_months=months)) is offered


def test_it_offers_all_codes_with_both_streaks():
    assert codes_offered(refusals_in_a_row=3, unreachable_months=6) == set(ALL_CODES)


def test_it_needs_approval_for_31_32_and_90_only():
    assert NEEDS_APPROVAL == {"31", "32", "90"}


def test_it_knows_the_whole_ajc00a_table(db):
    assert set(CodeItem.objects.filter(table_id="AJC00A").values_list("code", flat=True)) == set(ALL_CODES)
