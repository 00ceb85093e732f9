"""The hand-computed report (README "Monthly statistics"): factories.fixture_city for report month 2026-11.

Registered unemployed at 2026-11-20 in 解放区: A, B (registered on the first day), C (the day before the period),
F (exit the day after the end), H (exit only proposed), K (two overlapping registrations: once) = 6; not E (exit
on the end day), G (exit before), D (registered after), L (imported, ended in the period). 温县: I = 1. 修武县
(rural): J, shown apart. New: B. Exits: E (11) and L (21, imported ended). Rates: 6 / (994 + 6) = 0.60 %,
1 / (199 + 1) = 0.50 % on the 2025 year-end figure (flagged), 7 / (9993 + 7) = 0.07 % for the city.
"""

from datetime import date

import pytest

from offices.models import Region
from unemployment_stats import figures as F
from unemployment_stats.models import UrbanEmployed
from unemployment_stats.periods import Period

from .factories import fixture_city, person, registration

NOVEMBER = Period(2026, 11)


@pytest.fixture
def city(ops_jiaozuo):
    fixture_city(ops_jiaozuo)
    UrbanEmployed.objects.create(
        region_id="410802", year=2026, month=11, employed=994, entered_by=ops_jiaozuo
    )
    UrbanEmployed.objects.create(
        region_id="410825", year=2025, month=12, employed=199, entered_by=ops_jiaozuo
    )
    UrbanEmployed.objects.create(
        region_id="410800", year=2026, month=11, employed=9993, entered_by=ops_jiaozuo
    )
    return F.compute(Region.objects.get(code="410800"), NOVEMBER)


def _row(figures, code):
    return next(row for row in figures["rows"] if row["region"] == code)


def test_it_counts_the_hand_computed_registered_unemployed_new_and_exits(city):
    jiefang = _row(city, "410802")
    assert jiefang["registered"] == 6
    assert jiefang["new"] == 1
    assert jiefang["new_by_channel"] == {"online": 1}
    assert jiefang["exits"] == 2
    assert jiefang["exits_by_code"] == {"11": 1, "21": 1}
    assert _row(city, "410825")["registered"] == 1
    assert city["total"]["registered"] == 7
    assert city["total"]["new"] == 1
    assert city["total"]["exits"] == 2


def test_it_computes_the_rate_exactly_and_flags_the_year_end_figure(city):
    jiefang, wenxian = _row(city, "410802"), _row(city, "410825")
    assert (jiefang["urban_employed"], jiefang["urban_employed_source"], jiefang["rate"]) == (
        994,
        "own",
        "0.60",
    )
    assert (wenxian["urban_employed"], wenxian["urban_employed_source"], wenxian["rate"]) == (
        199,
        "year_end",
        "0.50",
    )
    assert (city["total"]["urban_employed"], city["total"]["rate"]) == (9993, "0.07")
    assert city["year_end_used"] is True


def test_it_shows_rural_registrations_apart_and_out_of_the_totals(city):
    xiuwu = _row(city, "410821")
    assert xiuwu["registered"] == 0
    assert xiuwu["rural_registered"] == 1
    assert city["total"]["rural_registered"] == 1
    assert [r for r in city["rural"] if r["region"] == "410821"][0]["registered"] == 1


def test_it_breaks_the_registered_unemployed_down_by_sex_age_education_duration_channel_category(city):
    jiefang = _row(city, "410802")
    assert jiefang["by"]["sex"] == {"1": 3, "2": 3}
    assert jiefang["by"]["age"] == {"25-34": 2, "35-44": 2, "45-54": 1, "55+": 1}
    assert jiefang["by"]["education"] == {"20": 3, "30": 1, "60": 1, "70": 1}
    assert jiefang["by"]["duration"] == {"0-2": 2, "3-5": 1, "6-11": 3}
    assert jiefang["by"]["channel"] == {"counter": 4, "national": 1, "online": 1}
    assert jiefang["categories"] == {
        "graduate": 1,
        "subsidy": 1,
        "migrant_one_time": 1,
        "migrant_temporary": 0,
        "difficulty": 0,
    }
    assert _row(city, "410825")["categories"]["difficulty"] == 1
    assert _row(city, "410825")["by"]["duration"] == {"12+": 1}


def test_it_does_not_count_an_exit_on_the_end_day_in_the_stock_but_in_the_exits(city, ops_jiaozuo):
    """E left on 2026-11-20: not registered at the end of that day; in November's exits (code 11)."""
    county = F.compute(Region.objects.get(code="410802"), NOVEMBER)
    assert county["total"]["registered"] == 6
    assert county["total"]["exits_by_code"]["11"] == 1
    # The day before the end it was still registered: October's stock (to 2026-10-20) has E.
    october = F.compute(Region.objects.get(code="410802"), Period(2026, 10))
    assert october["total"]["registered"] == 7


def test_it_balances_stock_new_and_exits_between_two_periods(city):
    october = F.compute(Region.objects.get(code="410802"), Period(2026, 10))["total"]
    november = F.compute(Region.objects.get(code="410802"), NOVEMBER)["total"]
    assert november["registered"] == october["registered"] + november["new"] - november["exits"]


def test_it_counts_a_registration_on_the_20th_in_this_period_and_on_the_21st_in_the_next(ops_jiaozuo):
    registration(person("甲", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 20))
    registration(person("乙", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 21))
    region = Region.objects.get(code="410802")
    assert F.compute(region, NOVEMBER)["total"]["new"] == 1
    december = F.compute(region, Period(2026, 12))["total"]
    assert (december["new"], december["registered"]) == (1, 2)


def test_it_counts_december_21st_in_january_of_the_next_year(ops_jiaozuo):
    registration(person("甲", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 12, 21))
    region = Region.objects.get(code="410802")
    assert F.compute(region, Period(2026, 12))["total"]["new"] == 0
    assert F.compute(region, Period(2027, 1))["total"]["new"] == 1


def test_it_lists_the_differences_between_two_computations(city):
    changed = {**city, "total": {**city["total"], "registered": 8}}
    assert F.differences(city, changed) == [{"key": "合计 · 期末登记失业人数", "old": 7, "new": 8}]
    assert F.differences(city, city) == []


def test_it_bands_age_and_duration_on_the_end_day_by_whole_years_and_months(ops_jiaozuo):
    """Turning 25 on the end day is 25-34; registered exactly 3 months before the end is 3-5 months."""
    registration(person("甲", born=date(2001, 11, 20)), ops_jiaozuo, on=date(2026, 8, 20))
    registration(person("乙", born=date(2001, 11, 21)), ops_jiaozuo, on=date(2026, 8, 21))
    by = F.compute(Region.objects.get(code="410802"), NOVEMBER)["total"]["by"]
    assert by["age"] == {"16-24": 1, "25-34": 1}
    assert by["duration"] == {"0-2": 1, "3-5": 1}
