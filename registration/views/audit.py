"""证件号码查看记录: who saw which person's full ID number, when and where (``IdReveal``), for supervisors and
administrators. Scoped like everything else: the reveals of the people in the viewer's region (the person's
managing region now), whoever made them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.forms import PlainMessagesMixin
from offices.auth import AuthenticatedHttpRequest
from offices.models import User
from offices.scoping import get_in_scope_or_404, scope_by_region, visible_regions

from ..models import IdReveal, Person

PAGE_SIZE = 100
DATES_REVERSED = _("起始日期不能晚于截止日期")


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member, labelled with their office."""

    def label_from_instance(self, obj: User) -> str:
        return f"{obj}（{obj.office.name}）" if obj.office else str(obj)


class IdRevealFilterForm(PlainMessagesMixin, forms.Form):
    """The filters of the page; all optional. None of them is a document number, so a GET is fine."""

    user = StaffChoiceField(label=_("查看人"), queryset=User.objects.none(), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, viewer: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Staff of the offices in the viewer's scope (a reveal by someone else still shows, unfiltered).
        user_field = self.fields["user"]
        assert isinstance(user_field, StaffChoiceField)
        user_field.queryset = (
            User.objects.filter(office__region__in=visible_regions(viewer))
            .select_related("office")
            .order_by("office__name", "handler_name", "username")
        )

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return data


def _day_start(day: date) -> datetime:
    """Midnight starting ``day`` in the site's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_reveals(viewer: User, data: dict, person: Person | None) -> QuerySet[IdReveal]:
    """The reveals of people in the viewer's scope, newest first, narrowed by the form's cleaned ``data``."""
    reveals = scope_by_region(IdReveal.objects.all(), viewer, field="person__region")
    if person is not None:
        reveals = reveals.filter(person=person)
    if data.get("user"):
        reveals = reveals.filter(user=data["user"])
    if data.get("date_from"):
        reveals = reveals.filter(at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        reveals = reveals.filter(at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    return reveals.select_related("person", "person__region", "user", "user__office").order_by("-at", "-id")


@login_required
@permission_required("registration.view_idreveal", raise_exception=True)
@require_GET
def id_reveals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who saw which number when, 100 a page; filters: staff member, date range, one person (404 outside the
    viewer's region)."""
    form = IdRevealFilterForm(request.GET or None, viewer=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    person = None
    if data.get("person"):
        person = get_in_scope_or_404(Person.objects.all(), request.user, code=data["person"])
    page = Paginator(filtered_reveals(request.user, data, person), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "person": person}
    return render(request, "registration/id_reveals.html", context)


urlpatterns = [
    path("audit/id-reveals/", id_reveals, name="id_reveals"),
]
