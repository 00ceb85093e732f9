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
from django.core.validators import MaxLengthValidator
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


def _default_message(field: forms.Field, key: str) -> str:
    """The message Django gives ``field`` for ``key`` when the field sets none itself (its classes' defaults,
    merged as ``Field.__init__`` does): a ModelChoiceField's "invalid_choice" is not a ChoiceField's."""
    messages: dict = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return str(messages.get(key, ""))


def _is_default(field: forms.Field, key: str) -> bool:
    return key in field.error_messages and str(field.error_messages[key]) == _default_message(field, key)


def apply_plain_messages(form: forms.BaseForm) -> None:
    """One voice for every form: messages name their field ("请填写姓名", not Django's "这个字段是必填项。"), and
    over-long text is refused with a message saying so instead of being cut short by the browser (the
    ``maxlength`` attribute is dropped; the limit is checked on submit).

    Runs per form instance (the fields are copies by then), in the language of the request; messages a field
    sets itself are kept. A box to tick says "请勾选…", a list, radio buttons or a file "请选择…", anything
    else "请填写…".
    """
    for field in form.fields.values():
        label = str(field.label or "")
        if _is_default(field, "required"):
            if isinstance(field, forms.BooleanField):
                required = _("请勾选%(field)s")
            elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField):
                required = _("请选择%(field)s")
            else:
                required = _("请填写%(field)s")
            field.error_messages["required"] = required % {"field": label}
        if _is_default(field, "invalid_choice"):
            field.error_messages["invalid_choice"] = _("%(field)s：所选项目无效，请从列表中选择") % {
                "field": label
            }
        if isinstance(field, forms.DateField) and _is_default(field, "invalid"):
            field.error_messages["invalid"] = _(
                "%(field)s格式不正确，请按“年-月-日”填写，例如 1990-05-01"
            ) % {"field": label}
        if isinstance(field, forms.CharField) and field.max_length is not None:
            field.widget.attrs.pop("maxlength", None)
            # "%(limit_value)d" and "%(show_value)d" are filled in by the validator; the field name here.
            message = (
                _("%(field)s最多 %(limit)d 个字，当前为 %(count)s 个字")
                .replace("%(field)s", label.replace("%", "%%"))
                .replace("%(limit)d", str(field.max_length))
                .replace("%(count)s", "%(show_value)d")
            )
            # The validator objects are shared between copies of a field: replace, never mutate.
            field.validators = [
                MaxLengthValidator(field.max_length, message=message)
                if isinstance(v, MaxLengthValidator)
                else v
                for v in field.validators
            ]


class PlainMessagesMixin:
    """A form whose messages name their field and that says when input is too long (``apply_plain_messages``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_plain_messages(self)  # type: ignore[arg-type]  # mixed into a Form


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
