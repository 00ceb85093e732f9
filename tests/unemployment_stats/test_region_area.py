"""Regions carry the urban/rural classification administrators keep (offices.Region.area): urban by default,
editable in the admin's region list, refused by the database when it is anything else."""

import pytest
from django.contrib import admin
from django.db import IntegrityError

from offices.models import Region

pytestmark = pytest.mark.django_db


def test_regions_are_urban_until_an_administrator_says_otherwise():
    assert set(Region.objects.values_list("area", flat=True)) == {Region.Area.URBAN}
    assert "area" in admin.site._registry[Region].list_editable


def test_the_database_refuses_an_unknown_classification():
    with pytest.raises(IntegrityError):
        Region.objects.filter(code="410802").update(area="town")
