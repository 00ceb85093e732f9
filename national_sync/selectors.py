"""Reads of the national sync for the ops pages, scoped to the viewer's region."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from common.jobs import last_runs
from common.models import JobRun
from deregistration.models import Exit
from offices.models import User
from offices.scoping import scope_by_region
from registration.models import Person
from registration.selectors import TimelineEntry

from .jobs import UPLOAD_EXITS
from .models import ExitUpload
from .records import build_record

RECENT_RUNS = 20


def uploads_in_scope(user: User) -> QuerySet[ExitUpload]:
    return scope_by_region(ExitUpload.objects.all(), user)


def status_counts(user: User) -> dict[str, int]:
    """How many uploads of the viewer's region are in each status (one query)."""
    counts = dict(uploads_in_scope(user).values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in ExitUpload.Status.values}


def uploads_list(user: User, status: str) -> QuerySet[ExitUpload]:
    """The uploads of one status for the ops list, with what a row shows (no query per row): the queue oldest
    first, the acknowledged newest first."""
    rows = uploads_in_scope(user).filter(status=status).select_related("exit", "exit__registration__person")
    if status == ExitUpload.Status.ACKNOWLEDGED:
        return rows.order_by("-acknowledged_at", "-pk")
    return rows.order_by("effective_on", "exit_id")


def recent_runs() -> list[JobRun]:
    return list(JobRun.objects.filter(job=UPLOAD_EXITS).order_by("-started_at")[:RECENT_RUNS])


def last_run() -> JobRun | None:
    return last_runs([UPLOAD_EXITS]).get(UPLOAD_EXITS)


def day_exits(user: User, day: date) -> QuerySet[Exit]:
    """The effective exits of the viewer's region that took effect on ``day`` (the manual upload's rows)."""
    return (
        scope_by_region(Exit.objects.filter(status=Exit.Status.EFFECTIVE, effective_on=day), user)
        .select_related("registration__person")
        .order_by("pk")
    )


def day_records(user: User, day: date) -> list[tuple[Exit, dict[str, str]]]:
    return [(exit, build_record(exit)) for exit in day_exits(user, day)]


def upload_timeline(person: Person) -> list[TimelineEntry]:
    """The person's timeline: when an exit's record was received by the ministry platform (with the receipt),
    or returned by it — the moment after which the exit can no longer be cancelled."""
    entries = []
    url = reverse("registration:person_detail", args=[person.code])
    uploads = ExitUpload.objects.filter(
        exit__registration__person=person,
        status__in=[ExitUpload.Status.ACKNOWLEDGED, ExitUpload.Status.REJECTED],
    ).select_related("exit")
    for u in uploads:
        if u.status == ExitUpload.Status.ACKNOWLEDGED and u.acknowledged_at:
            title = _("注销信息已上传部级业务协同平台")
            detail = _("回执 %(receipt)s") % {"receipt": u.receipt}
            entries.append(TimelineEntry(u.acknowledged_at, "national_sync", title, detail, url))
        elif u.status == ExitUpload.Status.REJECTED:
            title = _("注销信息被部级平台退回")
            entries.append(TimelineEntry(u.updated_at, "national_sync", title, u.last_error, url))
    return entries
