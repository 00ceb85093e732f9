"""Helpers for the forms of every stage: focus on the first field in error, a service's errors on the form, and the
upload field of a table import. Fields are rendered by ``templates/includes/form_field.html`` and the error summary
by ``templates/includes/form_errors.html``.

    class ProposalForm(FocusFirstMixin, forms.Form):
        file = TableFileField()

    try:
        service(**form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
    form.focus_first()
    return render(request, "app/page.html", {"form": form})
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .tables import MAX_FILE_BYTES

TABLE_FILE_HELP = gettext_lazy("Excel（.xlsx）或 CSV 文件，第1行为列名；不超过10 MB")


class FocusFirstMixin:
    """``focus_first()`` puts ``autofocus`` on the first field with an error, else on ``initial_focus()``
    (``focus_field``, by default the first field), and on no other field.

    Call it in the view just before rendering, after any service error has been added. Django 5.2 itself marks a
    field in error with ``aria-invalid`` and points ``aria-describedby`` at its help text and errors, whose ids
    ``templates/includes/form_field.html`` renders.
    """

    fields: dict[str, forms.Field]
    focus_field: str | None = None

    def initial_focus(self) -> str | None:
        """The field to start in when none has an error; None for no autofocus."""
        return self.focus_field or next(iter(self.fields), None)

    def focus_first(self) -> None:
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        target = None
        if self.is_bound:  # type: ignore[attr-defined]
            errors = self.errors  # type: ignore[attr-defined]
            target = next(
                (n for n, f in self.fields.items() if n in errors and not f.widget.is_hidden),
                None,
            )
        if target is None:
            target = self.initial_focus()
        if target is not None:
            self.fields[target].widget.attrs["autofocus"] = True


def add_service_errors(form: forms.BaseForm, exc: Exception, *, field: str | None = None) -> None:
    """Put a service's error on ``form``, for the page to show it again.

    A ValidationError keyed by field puts each message next to its field when the form has that field, and on top
    of the form (non-field errors) when it has not; Django's ``form.add_error(None, exc)`` would raise ValueError
    there. Messages not keyed to a field go on ``field`` when given, else on top. Any other exception counts as one
    message, its text (``add_service_errors(form, exc, field="file")`` for an ImportFileError).
    """
    if not isinstance(exc, ValidationError):
        exc = ValidationError(str(exc))
    if field is not None and field not in form.fields:
        field = None
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(field, exc)


class TableFileField(forms.FileField):
    """The upload of a table for ``common.tables.read_table``: .xlsx or CSV, at most 10 MB. The contents are
    checked by read_table."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("文件"))
        kwargs.setdefault("help_text", TABLE_FILE_HELP)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": ".xlsx,.csv"})

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data is not None and data.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件超过10 MB，请拆分后分批导入"), code="too_big")
        return data


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """``form.fields[name]`` as the ChoiceField it is, to set its choices when the form is built."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
    return field
