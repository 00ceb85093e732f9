"""Reads of stage 1: worklist, person search, a person's timeline, the public progress query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.scoping import scope_by_region
from portal.plugins import timeline_providers

from .idnumbers import normalize_citizen_id
from .models import Application, Person, Registration

SEARCH_LIMIT = 50


def person_search(user, query: str, limit: int = SEARCH_LIMIT) -> QuerySet[Person]:
    """People in the user's scope matching ``query``: an ID number (exact), a phone number (exact) or the
    beginning of a name. Uses the unique document index, the phone index and the name prefix index."""
    query = (query or "").strip()
    people = scope_by_region(Person.objects.all(), user).select_related("region")
    if not query:
        return people.none()
    if query[:17].isdigit() and len(query) in (15, 18):
        return people.filter(id_number=normalize_citizen_id(query))[:limit]
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
    """The person with this document anywhere (used to refuse duplicates, never to show data across regions)."""
    if id_type == "01":
        id_number = normalize_citizen_id(id_number)
    return Person.objects.filter(id_type=id_type, id_number=id_number).first()


def worklist(user) -> QuerySet[Application]:
    """Pending applications in the user's scope, the most urgent first (worklist index on office, due_at)."""
    return (
        scope_by_region(Application.objects.filter(status=Application.Status.PENDING), user)
        .select_related("person", "office", "region")
        .order_by("due_at", "id")
    )


def urgency_counts(now: datetime) -> dict:
    """Aggregates over pending applications: how many, how many overdue, how many fall due today."""
    end_of_today = datetime.combine(timezone.localdate(now), time.max, tzinfo=timezone.get_current_timezone())
    return {
        "total": Count("id"),
        "overdue": Count("id", filter=Q(due_at__lt=now)),
        "due_today": Count("id", filter=Q(due_at__gte=now, due_at__lte=end_of_today)),
    }


DUE_FILTERS = ("overdue", "today")


def worklist_filtered(
    pending: QuerySet[Application], *, now: datetime, office_id: int | None = None, due: str = ""
) -> QuerySet[Application]:
    """``pending`` narrowed to one office and/or to the overdue or due-today ones (the home panel's links)."""
    if office_id is not None:
        pending = pending.filter(office_id=office_id)
    end_of_today = datetime.combine(timezone.localdate(now), time.max, tzinfo=timezone.get_current_timezone())
    if due == "overdue":
        pending = pending.filter(due_at__lt=now)
    elif due == "today":
        pending = pending.filter(due_at__gte=now, due_at__lte=end_of_today)
    return pending


def worklist_counts(pending: QuerySet[Application], now: datetime) -> dict[str, int]:
    """The urgency counts of ``pending`` as a whole (one query)."""
    return pending.aggregate(**urgency_counts(now))


@dataclass
class Urgency:
    overdue: bool
    due_today: bool


def urgency(due_at: datetime, now: datetime | None = None) -> Urgency:
    now = now or timezone.now()
    return Urgency(
        overdue=due_at < now,
        due_today=due_at >= now and timezone.localdate(due_at) == timezone.localdate(now),
    )


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
    for reg in Registration.objects.filter(person=person).prefetch_related("bundle_requests"):
        entries.append(
            TimelineEntry(
                reg.created_at,
                "registration",
                _("登记失业 %(number)s") % {"number": reg.number},
                _("首次联系时限 %(due)s")
                % {"due": f"{timezone.localtime(reg.first_contact_due_at):%Y-%m-%d}"},
            )
        )
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


def application_progress(number: str, id_number: str) -> Application | None:
    """The application with this number *and* this applicant's ID number, or None (nothing else revealed)."""
    number = (number or "").strip().upper()
    id_number = normalize_citizen_id(id_number)
    if not number or not id_number:
        return None
    return (
        Application.objects.filter(number=number, person__id_number=id_number)
        .select_related("person", "office", "registration")
        .first()
    )
