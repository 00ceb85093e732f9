"""Template filters for showing a person without giving their ID number away (see ``idnumbers.mask_id``).

{% load person_tags %}
{{ person.birth_date|age }}      {# 36: completed years today, shown instead of the birth date #}
"""

from __future__ import annotations

from datetime import date

from django import template

from ..idnumbers import age_in_years

register = template.Library()


@register.filter
def age(born: date | None) -> int | str:
    """Completed years of age today; "" without a birth date."""
    return "" if born is None else age_in_years(born)
