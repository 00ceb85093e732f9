"""Reads of stage 1: worklist, person search, a person's timeline, the public progress query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Collate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from codes.lookup import label
from common.urgency import filter_due
from offices.scoping import can_see_region, scope_by_region, user_scope_path, visible_regions
from portal.plugins import timeline_providers

from .idnumbers import citizen_id_forms, citizen_id_key
from .models import CITIZEN_ID, Application, Person, Registration

SEARCH_LIMIT = 50


def people_in_scope(user, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """The people ``user`` may see: those managed in the user's scope (``Person.region``) and those with an
    application or a registration whose region lies in it (a decided registration's region is its
    application's; a handed-over or imported one has no application). A person applying in another county stays
    visible to the office that keeps their history, and the office taking the new application sees them too.

    The regions in scope are read first (a few codes for a county). The application case is a correlated
    scalar subquery on the person's own rows (index on ``person_id``), evaluated only for the few people
    outside the managed scope who ever applied outside their managing region (``Person.applied_elsewhere``):
    no duplicates, and a lookup by number or name keeps its index and stops after its rows (``make bench``; a
    county's one-character name search reads ~10,000 people of the province to find its fifty). Not
    ``EXISTS``: PostgreSQL may plan that as a hash of every application in the scope, all of a city's.
    """
    people = Person.objects.all() if queryset is None else queryset
    path = user_scope_path(user)
    if path is None:
        return people.none()
    if path == "":
        return people
    regions = list(visible_regions(user).values_list("code", flat=True))
    applied = Application.objects.filter(person=OuterRef("pk"), region_id__in=regions).values("region_id")[:1]
    registered = Registration.objects.filter(
        person=OuterRef("pk"), region_id__in=regions, application__isnull=True
    ).values("region_id")[:1]
    # Written as nested ANDs so that the flag is tested before the subqueries run.
    elsewhere = Q(applied_elsewhere=True) & (
        Q(application_in_scope__isnull=False) | Q(registration_in_scope__isnull=False)
    )
    return people.alias(
        application_in_scope=Subquery(applied), registration_in_scope=Subquery(registered)
    ).filter(Q(region_id__in=regions) | elsewhere)


def person_visible_to(user, person: Person) -> bool:
    """Whether ``user`` may see ``person`` (the rule of ``people_in_scope``), for one person at hand."""
    if can_see_region(user, person.region):
        return True
    return user_scope_path(user) is not None and people_in_scope(user).filter(pk=person.pk).exists()


def person_in_scope_or_404(user, queryset: QuerySet[Person] | None = None, **lookup) -> Person:
    """One person by ``lookup`` if they exist *and* ``user`` may see them (``people_in_scope``); otherwise 404,
    like ``offices.scoping.get_in_scope_or_404``, so that codes of other regions' people cannot be probed."""
    try:
        return people_in_scope(user, queryset).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def person_search(user, query: str, limit: int = SEARCH_LIMIT) -> QuerySet[Person]:
    """People the user may see (``people_in_scope``) matching ``query``: an ID number (exact, a 15-digit
    number and its 18-digit form alike), a phone number (exact) or the beginning of a name. Uses the unique
    document index, the phone index and the name prefix index."""
    query = (query or "").strip()
    people = people_in_scope(user).select_related("region")
    if not query:
        return people.none()
    if query[:17].isdigit() and len(query) in (15, 18):
        return people.filter(id_number__in=citizen_id_forms(query))[:limit]
    if query.isdigit() and len(query) in (7, 8, 11, 12):
        return people.filter(phone=query).order_by("name")[:limit]
    if query.isascii() and any(ch.isdigit() for ch in query):  # another document (passport, ...)
        return people.filter(id_number=query.upper())[:limit]
    return (
        people.alias(name_c=Collate("name", "C"))
        .filter(name_c__startswith=query)
        .order_by("name_c", "id")[:limit]
    )


def person_by_document(id_type: str, id_number: str) -> Person | None:
    """The person with this document anywhere (used to refuse duplicates, never to show data across regions).

    A citizen ID is looked up by its identity key: a 15-digit number finds the person of its 18-digit form.
    """
    if id_type == CITIZEN_ID:
        id_number = citizen_id_key(id_number)
    else:
        id_number = (id_number or "").strip().upper()
    return Person.objects.filter(id_type=id_type, id_number=id_number).first()


def worklist(user) -> QuerySet[Application]:
    """Pending applications in the user's scope, the most urgent first (worklist index on office, due_at)."""
    return (
        scope_by_region(Application.objects.filter(status=Application.Status.PENDING), user)
        .select_related("person", "office", "region")
        .order_by("due_at", "id")
    )


def worklist_filtered(
    pending: QuerySet[Application], *, now: datetime, office_id: int | None = None, due: str = ""
) -> QuerySet[Application]:
    """``pending`` narrowed to one office and/or to the overdue or due-today ones (the home panel's links), by
    the shared definition of urgency (common.urgency)."""
    if office_id is not None:
        pending = pending.filter(office_id=office_id)
    return filter_due(pending, due, now, field="due_at")


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    url: str = ""


def person_timeline(person: Person) -> list[TimelineEntry]:
    """The whole lifecycle of a person, oldest first: what every stage knows about them (each stage declares
    its ``timeline_providers`` in its plugins.py; this stage's own is ``intake_timeline``)."""
    entries = [entry for provider in timeline_providers() for entry in provider(person)]
    return sorted(entries, key=lambda e: e.at)


def intake_timeline(person: Person) -> list[TimelineEntry]:
    """Stage 1's part of the timeline: applications, decisions, registrations, bundle requests, SMS."""
    from django.urls import reverse

    from common.models import Notification

    entries: list[TimelineEntry] = []
    applications = list(person.applications.select_related("office", "decided_by").order_by("submitted_at"))
    for app in applications:
        url = reverse("registration:application_detail", args=[app.code])
        entries.append(
            TimelineEntry(
                app.submitted_at,
                "application",
                _("提交失业登记申请 %(number)s") % {"number": app.number},
                f"{app.get_channel_display()} · {app.get_basis_display()} · {app.office.name}",
                url,
            )
        )
        if app.decided_at:
            if app.status == Application.Status.REJECTED:
                title = _("不予登记：%(reason)s") % {"reason": app.get_rejection_reason_display()}
            elif app.status == Application.Status.WITHDRAWN:  # the detail is the recorded reason
                title = _("已撤回（申请人本人要求）")
            else:
                title = app.get_status_display()
            entries.append(TimelineEntry(app.decided_at, "decision", title, app.decision_note, url))
    registrations = Registration.objects.filter(person=person).select_related("office")
    for reg in registrations.prefetch_related("bundle_requests"):
        entries.extend(_registration_entries(reg))
        for b in reg.bundle_requests.all():
            entries.append(
                TimelineEntry(
                    b.created_at,
                    "bundle",
                    _("关联事项：%(kind)s") % {"kind": b.get_kind_display()},
                    b.get_status_display(),
                )
            )
    refs = [f"application:{a.number}" for a in applications]
    for n in Notification.objects.filter(ref__in=refs).order_by("created_at"):
        entries.append(
            TimelineEntry(
                n.created_at,
                "notification",
                _("短信通知（%(status)s）") % {"status": n.get_status_display()},
                n.text,
            )
        )
    return entries


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _registration_entries(reg: Registration) -> list[TimelineEntry]:
    """A registration on the timeline as what happened: decided here (its decision is the application's
    entry), handed over by the education department on a date, or imported from before the system; and, for
    the last two, the commitment signed later at the counter and an imported exit."""
    due = _("首次联系时限 %(due)s") % {"due": f"{timezone.localtime(reg.first_contact_due_at):%Y-%m-%d}"}
    Source = Registration.Source
    if reg.source == Source.HANDED_OVER and reg.handed_over_on is not None:
        entries = [
            TimelineEntry(
                _start_of(reg.handed_over_on),
                "registration",
                _("教育部门移交（%(date)s）：登记失业 %(number)s")
                % {"date": f"{reg.handed_over_on:%Y-%m-%d}", "number": reg.number},
                _("离校未就业高校毕业生，无申请、未签署告知承诺 · %(office)s · %(due)s")
                % {"office": reg.office.name, "due": due},
            )
        ]
    elif reg.source == Source.IMPORTED:
        entries = [
            TimelineEntry(
                _start_of(reg.registered_on),
                "registration",
                _("导入的历史登记 %(number)s（登记日期 %(date)s）")
                % {"number": reg.number, "date": f"{reg.registered_on:%Y-%m-%d}"},
                _("%(office)s · 导入于 %(imported)s")
                % {"office": reg.office.name, "imported": f"{timezone.localtime(reg.created_at):%Y-%m-%d}"},
            )
        ]
        if reg.ended_on is not None:
            reason = label("AJC00A", reg.ended_reason) or reg.ended_reason
            entries.append(
                TimelineEntry(
                    _start_of(reg.ended_on),
                    "exit",
                    _("注销（导入的历史记录）：%(reason)s") % {"reason": reason},
                    f"{reg.ended_reason} · {reg.ended_on:%Y-%m-%d}",
                )
            )
    else:
        return [
            TimelineEntry(
                reg.created_at, "registration", _("登记失业 %(number)s") % {"number": reg.number}, due
            )
        ]
    if reg.commitment_at is not None:
        entries.append(
            TimelineEntry(reg.commitment_at, "commitment", _("记录告知承诺（本人已签署）"), reg.number)
        )
    return entries


def application_progress(number: str, id_number: str) -> Application | None:
    """The application with this number *and* this applicant's ID number (either form of a citizen ID), or
    None (nothing else revealed)."""
    number = (number or "").strip().upper()
    forms = citizen_id_forms(id_number)
    if not number or not forms[0]:
        return None
    return (
        Application.objects.filter(number=number, person__id_number__in=forms)
        .select_related("person", "office", "registration")
        .first()
    )
