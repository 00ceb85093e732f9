"""Reads of the national platform exchange for the ops page, scoped to the user's region.

A parked national application whose region code is not known at all (not even its province) has no region:
only users of the whole deployment (a province-level office, a superuser) see it."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from common.models import JobRun
from offices.models import User
from offices.scoping import region_filter, user_scope_path
from registration.models import Person
from registration.selectors import TimelineEntry

from .exchange_models import ExchangeCursor, NationalApplication, NationalPush

ATTENTION = (NationalPush.Status.REJECTED, NationalPush.Status.INVALID)


def national_applications_in_scope(user: User) -> QuerySet[NationalApplication]:
    path = user_scope_path(user)
    rows = NationalApplication.objects.all()
    if path is None:
        return rows.none()
    if path == "":
        return rows
    scope = region_filter(user)
    if path.count("/") <= 1:  # a province-level office also sees the rows of no known region
        scope = scope | Q(region__isnull=True)
    return rows.filter(scope)


def parked_applications(user: User) -> QuerySet[NationalApplication]:
    """The parked national applications the user may see and retry, oldest first."""
    return (
        national_applications_in_scope(user)
        .filter(status=NationalApplication.Status.PARKED)
        .select_related("region")
        .order_by("created_at", "pk")
    )


def pushes_in_scope(user: User) -> QuerySet[NationalPush]:
    return NationalPush.objects.filter(region_filter(user))


def push_counts(user: User) -> list[dict]:
    """Per kind: its label and the count of each status (every status listed, 0 when none)."""
    found = {
        (row["kind"], row["status"]): row["n"]
        for row in pushes_in_scope(user).values("kind", "status").annotate(n=Count("pk")).order_by()
    }
    return [
        {
            "kind": kind,
            "label": label,
            "counts": [
                (status, slabel, found.get((kind, status), 0))
                for status, slabel in NationalPush.Status.choices
                if status != NationalPush.Status.WITHDRAWN  # a push is never withdrawn
            ],
        }
        for kind, label in NationalPush.Kind.choices
    ]


def pushes_needing_attention(user: User) -> QuerySet[NationalPush]:
    """Rejected by the platform or breaking a rule: each with its reasons, oldest first."""
    return (
        pushes_in_scope(user)
        .filter(status__in=ATTENTION)
        .select_related("region", "application", "registration__person")
        .order_by("day", "pk")
    )


def pull_cursor() -> ExchangeCursor | None:
    from .applications import CURSOR_NAME

    return ExchangeCursor.objects.filter(name=CURSOR_NAME).first()


def exchange_runs(limit: int = 10) -> list[JobRun]:
    from .jobs import PULL_APPLICATIONS, PUSH_RECORDS

    return list(
        JobRun.objects.filter(job__in=[PULL_APPLICATIONS, PUSH_RECORDS]).order_by("-started_at")[:limit]
    )


def exchange_timeline(person: Person) -> list[TimelineEntry]:
    """The person's timeline: an application that came from the national platform, and the decision or
    registration received by it (with the receipt) or returned."""
    url = reverse("registration:person_detail", args=[person.code])
    entries = []
    for row in NationalApplication.objects.filter(
        application__person=person, status=NationalApplication.Status.TAKEN
    ).select_related("application"):
        assert row.application is not None
        title = _("全国平台申请转入")
        detail = _("全国平台申请编号 %(number)s，转为申请 %(application)s") % {
            "number": row.number,
            "application": row.application.number,
        }
        entries.append(TimelineEntry(row.created_at, "national_sync", title, detail, url))
    pushes = NationalPush.objects.filter(
        Q(application__person=person) | Q(registration__person=person),
        status__in=[NationalPush.Status.ACKNOWLEDGED, NationalPush.Status.REJECTED],
    )
    for push in pushes:
        what = _("办理结果") if push.kind == NationalPush.Kind.DECISION else _("失业登记")
        if push.status == NationalPush.Status.ACKNOWLEDGED and push.acknowledged_at:
            title = _("%(what)s已上传全国平台") % {"what": what}
            detail = _("回执 %(receipt)s") % {"receipt": push.receipt}
            entries.append(TimelineEntry(push.acknowledged_at, "national_sync", title, detail, url))
        elif push.status == NationalPush.Status.REJECTED:
            title = _("%(what)s被全国平台退回") % {"what": what}
            entries.append(TimelineEntry(push.updated_at, "national_sync", title, push.last_error, url))
    return entries


def pushes_recently_acknowledged(user: User, limit: int = 20) -> list[NationalPush]:
    """The latest records the national platform received, with their receipts (newest first, by id: the
    primary key's index read backwards, however many there are)."""
    return list(pushes_in_scope(user).filter(status=NationalPush.Status.ACKNOWLEDGED).order_by("-pk")[:limit])
