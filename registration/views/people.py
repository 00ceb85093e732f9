"""Person search and the person page (the whole lifecycle as a timeline), and recording the commitment a
handed-over or imported registration lacks.

Document numbers stay out of URLs, sessions and caches: the search is a POST whose results are rendered at once
(no redirect carrying the query), and a revealed number is rendered into that one response (``no-store``), never
kept for a later request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offices.auth import AuthenticatedHttpRequest
from offices.scoping import get_in_scope_or_404
from portal.plugins import list_badges, person_sections, render_sections

from .. import services
from ..forms import BundleOpenForm, BundleStatusForm, PersonSearchForm
from ..idnumbers import age_in_years
from ..models import IdReveal, Person, Registration
from ..selectors import person_in_scope_or_404, person_search, person_timeline


@login_required
@permission_required("registration.view_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_search_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the empty search form; a query string is ignored, so that no number is ever searched from a URL.
    POST: the results, rendered in the response itself (not cached)."""
    if request.method != "POST":
        return render(request, "registration/person_search.html", {"form": PersonSearchForm(), "people": []})
    form = PersonSearchForm(request.POST)
    people: list[Person] = []
    if form.is_valid() and form.cleaned_data["q"]:
        people = list(person_search(request.user, form.cleaned_data["q"]))
        _mark_people(request, people)
    response = render(request, "registration/person_search.html", {"form": form, "people": people})
    add_never_cache_headers(response)
    return response


def _mark_people(request: AuthenticatedHttpRequest, people: list[Person]) -> None:
    """Each listed person gets ``badges``: the later stages' marks on their registrations (portal
    ``list_badges``, e.g. an open exit proposal), one query here and one call per stage."""
    of_person: dict[int, list[int]] = {}
    for pk, person_id in Registration.objects.filter(person__in=people).values_list("pk", "person_id"):
        of_person.setdefault(person_id, []).append(pk)
    marks = list_badges(request, [pk for pks in of_person.values() for pk in pks])
    for p in people:
        badges = [b for pk in of_person.get(p.pk, []) for b in marks.get(pk, [])]
        p.badges = list(dict.fromkeys(badges))  # type: ignore[attr-defined]  # shown by the template only


def _person_page(request: AuthenticatedHttpRequest, person: Person, *, revealed: str = "") -> HttpResponse:
    registrations = list(
        Registration.objects.filter(person=person)
        .select_related("office", "region", "application", "commitment_recorded_by")
        .prefetch_related("bundle_requests")
        .order_by("-registered_on", "-pk")
    )
    marks = list_badges(request, [r.pk for r in registrations])
    for r in registrations:
        r.badges = marks.get(r.pk, [])  # type: ignore[attr-defined]  # shown by the template only
    active = next((r for r in registrations if r.status == Registration.Status.ACTIVE), None)
    context = {
        "person": person,
        "id_display": revealed or person.masked_id_number,
        "revealed": bool(revealed),
        "age": age_in_years(person.birth_date),
        "can_reveal": request.user.has_perm("registration.reveal_id_number"),
        "can_record_commitment": request.user.has_perm("registration.change_registration"),
        "registrations": registrations,
        "active": active,
        "applications": person.applications.select_related("office").order_by("-submitted_at"),
        "timeline": person_timeline(person),
        "bundle_form": BundleOpenForm(),
        "bundle_status_form": BundleStatusForm(),
        "stage_sections": render_sections(person_sections(), request, person),  # later stages' parts
    }
    response = render(request, "registration/person_detail.html", context)
    if revealed:
        add_never_cache_headers(response)  # Cache-Control: no-store: no copy of the number in any cache
    return response


def _person(request: AuthenticatedHttpRequest, code) -> Person:
    return person_in_scope_or_404(
        request.user, Person.objects.select_related("region", "hukou_region", "residence_region"), code=code
    )


@login_required
@permission_required("registration.view_person", raise_exception=True)
@require_GET
def person_detail(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    return _person_page(request, _person(request, code))


@login_required
@permission_required("registration.reveal_id_number", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_reveal(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """POST: the person page with the full ID number, in this response only (the reveal is recorded; nothing is
    stored for the next request, so reloading the person page shows the mask again). GET (a reload, the language
    switch) reveals nothing: back to the person page."""
    person = _person(request, code)
    if request.method != "POST":
        return redirect("registration:person_detail", code=person.code)
    number = services.person_reveal_id(person=person, user=request.user, context=IdReveal.Context.PERSON_PAGE)
    messages.info(request, _("已显示完整证件号码，本次查看已记录。"))
    return _person_page(request, person, revealed=number)


@login_required
@permission_required("registration.change_registration", raise_exception=True)
@require_POST
def registration_commitment(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """记录告知承诺（本人已签署）: the person, at the counter, signed the commitment their registration lacks (handed
    over by the education department, imported). Recorded once, by a caseworker of the registration's region."""
    registration = get_in_scope_or_404(Registration.objects.select_related("person"), request.user, code=code)
    try:
        services.registration_record_commitment(registration=registration, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, _("已记录：本人已签署告知承诺（%(number)s）。") % {"number": registration.number}
        )
    return redirect("registration:person_detail", code=registration.person.code)


urlpatterns = [
    path("people/", person_search_view, name="person_search"),
    path("people/<uuid:code>/", person_detail, name="person_detail"),
    path("people/<uuid:code>/reveal/", person_reveal, name="person_reveal"),
    path("registrations/<uuid:code>/commitment/", registration_commitment, name="registration_commitment"),
]
