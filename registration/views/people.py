"""Person search and the person page (the whole lifecycle as a timeline)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from offices.scoping import get_in_scope_or_404

from .. import services
from ..forms import BundleOpenForm, BundleStatusForm, PersonSearchForm
from ..models import Person, Registration
from ..selectors import person_search, person_timeline


@login_required
@permission_required("registration.view_person", raise_exception=True)
@require_GET
def person_search_view(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET or None)
    people = []
    if form.is_valid() and form.cleaned_data["q"]:
        people = list(person_search(request.user, form.cleaned_data["q"]))
    return render(request, "registration/person_search.html", {"form": form, "people": people})


@login_required
@permission_required("registration.view_person", raise_exception=True)
@require_GET
def person_detail(request: HttpRequest, code) -> HttpResponse:
    person = get_in_scope_or_404(
        Person.objects.select_related("region", "hukou_region", "residence_region"), request.user, code=code
    )
    revealed = request.session.pop(f"revealed:{person.code}", None)
    registrations = list(
        Registration.objects.filter(person=person)
        .select_related("office")
        .prefetch_related("bundle_requests")
    )
    active = next((r for r in registrations if r.status == Registration.Status.ACTIVE), None)
    context = {
        "person": person,
        "id_display": revealed or person.masked_id_number,
        "revealed": bool(revealed),
        "can_reveal": request.user.has_perm("registration.reveal_id_number"),
        "registrations": registrations,
        "active": active,
        "applications": person.applications.select_related("office").order_by("-submitted_at"),
        "timeline": person_timeline(person),
        "bundle_form": BundleOpenForm(),
        "bundle_status_form": BundleStatusForm(),
    }
    return render(request, "registration/person_detail.html", context)


@login_required
@permission_required("registration.reveal_id_number", raise_exception=True)
@require_POST
def person_reveal(request: HttpRequest, code) -> HttpResponse:
    """Show the full ID number once (the reveal is recorded); the page then shows it until reloaded."""
    person = get_in_scope_or_404(Person.objects.all(), request.user, code=code)
    request.session[f"revealed:{person.code}"] = services.person_reveal_id(person=person, user=request.user)
    messages.info(request, _("已显示完整证件号码，本次查看已记录。"))
    return redirect("registration:person_detail", code=person.code)


urlpatterns = [
    path("people/", person_search_view, name="person_search"),
    path("people/<uuid:code>/", person_detail, name="person_detail"),
    path("people/<uuid:code>/reveal/", person_reveal, name="person_reveal"),
]
