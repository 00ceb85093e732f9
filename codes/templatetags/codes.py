"""``{% load codes %}`` … ``{{ person.sex|code_label:"AAC004" }}``: a code's label in the reader's language."""

from django import template

from codes.lookup import label

register = template.Library()


@register.filter
def code_label(code: str, table: str) -> str:
    return (label(table, code) or "") if code else ""
