"""Template helpers for templates/includes/form_errors.html and form_field.html (``{% load form_tags %}``)."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def fields_in_error(form: forms.BaseForm) -> list[forms.BoundField]:
    """The visible fields with an error, in form order: the error summary links to each."""
    return [bound for bound in form.visible_fields() if bound.errors]
