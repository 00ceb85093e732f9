"""The rules of the deadline machinery: the escalation sweep, the daily digest, acknowledging alerts, the
on-time statistics. Read only the clocks the stages declare (``portal.plugins.clocks``); name no stage.

Levels (one alert per item and level, ever):

- **due soon** (``DUE_SOON``): the item is due soon or due today (``common.urgency``); to the responsible
  caseworker, or to the supervisors of its region where the clock has no responsible person;
- **overdue** (``OVERDUE``): to the supervisors whose region covers the item, the nearest level that has any
  (the county's; the city's where the county has none);
- **escalated** (``ESCALATED``): overdue by more than ``ALERTS_ESCALATE_AFTER_WORKDAYS`` working days (default
  2); to the city supervisors whose region covers the item.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.urgency import DUE_SOON, DUE_TODAY, OVERDUE, conditions, due_soon_until, is_date_field
from offices.models import Region, User
from offices.roles import Role
from portal.plugins import Clock, clocks
from workdays.calendar import CalendarNotLoaded, workdays_before

from .models import Alert, AlertLevel, AlertRecipient, ClockMonth

logger = logging.getLogger(__name__)
BATCH = 2000
RATE_MONTHS = 13  # this month and the 12 before it


def escalate_after_workdays() -> int:
    """Working days overdue after which the city's supervisors are alerted (``ALERTS_ESCALATE_AFTER_WORKDAYS``)."""
    return int(getattr(settings, "ALERTS_ESCALATE_AFTER_WORKDAYS", 2))


def _tz():
    return timezone.get_current_timezone()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_tz())


def as_moment(due: date | datetime) -> datetime:
    """A due time as a moment: a due date means the end of that day (Asia/Shanghai)."""
    if isinstance(due, datetime):
        return due
    return datetime.combine(due, time.max, tzinfo=_tz())


@dataclass(frozen=True)
class Thresholds:
    """The moments the levels are measured against, computed once per sweep."""

    now: datetime
    soon_until: datetime
    escalate_before: date | None  # items due on a day before it are overdue by more than N working days

    @classmethod
    def at(cls, now: datetime) -> Thresholds:
        try:
            escalate_before: date | None = workdays_before(timezone.localdate(now), escalate_after_workdays())
        except CalendarNotLoaded as exc:
            logger.warning("escalation: the calendar does not hold %s; nothing escalated this run", exc.day)
            escalate_before = None
        return cls(now=now, soon_until=due_soon_until(now), escalate_before=escalate_before)


def level_condition(clock: Clock, queryset, level: str, th: Thresholds) -> Q | None:
    """The items of ``queryset`` (open items of ``clock``) at ``level`` now: a range on the due field."""
    by_date = is_date_field(queryset, clock.due)
    found = conditions(th.now, clock.due, by_date, th.soon_until)
    if level == AlertLevel.DUE_SOON:
        return found[DUE_SOON] | found[DUE_TODAY]
    if level == AlertLevel.OVERDUE:
        return found[OVERDUE]
    if th.escalate_before is None:
        return None
    bound: date | datetime = th.escalate_before if by_date else start_of(th.escalate_before)
    return Q(**{f"{clock.due}__lt": bound})


# ---- who is told -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Supervisor:
    id: int
    path: str
    level: int


class Recipients:
    """The supervisors of the province (a few hundred), read once per sweep, and who of them covers a region."""

    def __init__(self) -> None:
        rows = (
            User.objects.filter(
                is_active=True, groups__name=Role.SUPERVISOR, office__isnull=False, office__is_active=True
            )
            .values_list("id", "office__region__path", "office__region__level")
            .distinct()
        )
        self.supervisors = [Supervisor(*row) for row in rows]
        self._nearest: dict[str, list[int]] = {}
        self._city: dict[str, list[int]] = {}

    def nearest(self, path: str) -> list[int]:
        """The supervisors of the deepest region covering ``path`` that has any."""
        if path not in self._nearest:
            covering = [s for s in self.supervisors if path.startswith(s.path)]
            deepest = max((len(s.path) for s in covering), default=0)
            self._nearest[path] = sorted(s.id for s in covering if len(s.path) == deepest)
        return self._nearest[path]

    def city(self, path: str) -> list[int]:
        """The supervisors of the city (地市级) covering ``path``."""
        if path not in self._city:
            self._city[path] = sorted(
                s.id for s in self.supervisors if s.level == Region.Level.CITY and path.startswith(s.path)
            )
        return self._city[path]

    def for_level(self, level: str, path: str, responsible: int | None) -> list[int]:
        if level == AlertLevel.DUE_SOON:
            return [responsible] if responsible else self.nearest(path)
        if level == AlertLevel.OVERDUE:
            return self.nearest(path)
        return self.city(path)


# ---- the sweep -----------------------------------------------------------------------------------------
def _new_items(clock: Clock, level: str, th: Thresholds):
    """Open items of ``clock`` at ``level`` now that have no alert of that level yet (anti-join on the unique
    index of alerts), with their region path, office and responsible person."""
    items = clock.open_items()
    condition = level_condition(clock, items, level, th)
    if condition is None:
        return items.none()
    alerted = Alert.objects.filter(
        clock=clock.name, level=level, item=Cast(OuterRef("pk"), output_field=CharField())
    )
    annotations: dict[str, Any] = {
        "alert_due": F(clock.due),
        "alert_region": F(clock.region),
        "alert_path": F(f"{clock.region}__path"),
        "alert_office": F(clock.office),
    }
    if clock.responsible:
        annotations["alert_responsible"] = F(clock.responsible)
    return (
        items.filter(condition)
        .exclude(Exists(alerted))
        .select_related(*clock.select)
        .annotate(**annotations)
        .order_by()
    )


def _alert_clock_level(clock: Clock, level: str, th: Thresholds, recipients: Recipients) -> tuple[int, int]:
    """Alerts (and inbox rows) for the new items of one clock at one level; (alerts, recipients) made."""
    made = told = 0
    batch: list[tuple[Alert, list[int]]] = []

    def flush() -> None:
        nonlocal made, told
        if not batch:
            return
        Alert.objects.bulk_create([a for a, _ in batch], ignore_conflicts=True, batch_size=BATCH)
        ids = dict(
            Alert.objects.filter(
                clock=clock.name, level=level, item__in=[a.item for a, _ in batch], recipients__isnull=True
            ).values_list("item", "id")
        )
        rows = [
            AlertRecipient(alert_id=ids[a.item], user_id=user_id)
            for a, users in batch
            if a.item in ids
            for user_id in users
        ]
        AlertRecipient.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
        made += len(ids)
        told += len(rows)
        batch.clear()

    for item in _new_items(clock, level, th).iterator(chunk_size=BATCH):
        row = clock.row_of(item)
        alert = Alert(
            clock=clock.name,
            item=str(item.pk),
            level=level,
            due_at=as_moment(item.alert_due),
            region_id=item.alert_region,
            office_id=item.alert_office,
            number=row.number[:40],
            url=row.url[:300],
            created_at=th.now,
        )
        users = recipients.for_level(level, item.alert_path, getattr(item, "alert_responsible", None))
        batch.append((alert, users))
        if len(batch) >= BATCH:
            flush()
    flush()
    return made, told


@transaction.atomic
def alerts_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Alert every clocked item that is due soon, overdue, or overdue long enough for the city, once per level
    (see the module docstring). Reads each clock's open items by the range of its due field (partial indexes):
    the cost grows with the items due, not with the tables. Idempotent; two runs at once add nothing twice (the
    unique constraint; the job's lock keeps runs apart anyway)."""
    th = Thresholds.at(now or timezone.now())
    recipients = Recipients()
    counts: dict[str, int] = defaultdict(int)
    for clock in clocks().values():
        for level in AlertLevel.values:
            made, told = _alert_clock_level(clock, level, th, recipients)
            counts[level] += made
            counts["recipients"] += told
    return dict(counts)


# ---- the inbox -------------------------------------------------------------------------------------------
def unread_alerts(user) -> Any:
    return AlertRecipient.objects.filter(user=user, acknowledged_at__isnull=True)


@transaction.atomic
def alert_acknowledge(*, user: User, recipient_ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s alerts read (all of them when ``recipient_ids`` is None); they stay in the history with
    the time. Only the user's own; returns how many."""
    rows = unread_alerts(user)
    if recipient_ids is not None:
        rows = rows.filter(pk__in=list(recipient_ids))
    return rows.update(acknowledged_at=timezone.now())


def alerts_digest(*, now: datetime | None = None) -> dict[str, int]:
    """The daily digest: for each person with alerts not yet in a digest, one e-mail listing them (when
    ``ALERTS_EMAIL`` is on and the person has an address; Django's mail settings, the console backend in
    development); then they are marked as digested either way, so each alert is in one digest only."""
    now = now or timezone.now()
    pending = (
        AlertRecipient.objects.filter(digested_at__isnull=True)
        .select_related("alert", "user")
        .order_by("user_id", "alert__due_at")
    )
    by_user: dict[int, list[AlertRecipient]] = defaultdict(list)
    for row in pending.iterator(chunk_size=BATCH):
        by_user[row.user_id].append(row)
    labels = {name: str(clock.label) for name, clock in clocks().items()}
    site = getattr(settings, "ALERTS_SITE_URL", "").rstrip("/")
    emailed = 0
    for rows in by_user.values():
        user = rows[0].user
        if getattr(settings, "ALERTS_EMAIL", False) and user.email and user.is_active:
            with translation.override("zh-hans"):
                lines = [
                    f"{r.alert.get_level_display()} · {labels.get(r.alert.clock, r.alert.clock)} · "
                    f"{r.alert.number} · {timezone.localtime(r.alert.due_at):%Y-%m-%d %H:%M} · {site}{r.alert.url}"
                    for r in rows
                ]
                subject = _("时限提醒汇总：%(n)d 条") % {"n": len(rows)}
                body = "\n".join(
                    [_("您有以下时限提醒（%(day)s）：") % {"day": f"{now:%Y-%m-%d}"}, "", *lines]
                )
            try:
                send_mail(subject, body, None, [user.email])
                emailed += 1
            except Exception:  # noqa: BLE001  (the mail server is down: the in-app inbox still has them)
                logger.exception("digest for user %s could not be sent", user.pk)
                continue
        AlertRecipient.objects.filter(pk__in=[r.pk for r in rows]).update(digested_at=now)
    return {"users": len(by_user), "emailed": emailed}


# ---- on-time statistics ------------------------------------------------------------------------------------
def month_start(day: date, back: int = 0) -> date:
    """The first day of ``day``'s month, ``back`` months earlier."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def on_time_condition(clock: Clock, by_date: bool) -> Q:
    """Done by the due time (a due date: done on or before that day, Asia/Shanghai)."""
    if by_date:
        return Q(**{f"{clock.done}__date__lte": F(clock.due)})
    return Q(**{f"{clock.done}__lte": F(clock.due)})


def clock_month_rows(clock: Clock, now: datetime, first: date) -> Any:
    """Every item of ``clock`` whose due time fell between the start of month ``first`` and ``now``, grouped by
    month, region and office, with how many were done on time. One query."""
    items = clock.all_items()
    by_date = is_date_field(items, clock.due)
    if by_date:
        window = Q(**{f"{clock.due}__gte": first, f"{clock.due}__lt": timezone.localdate(now)})
        month = TruncMonth(clock.due)
    else:
        window = Q(**{f"{clock.due}__gte": start_of(first), f"{clock.due}__lt": now})
        month = TruncMonth(clock.due, tzinfo=_tz())
    return (
        items.filter(window)
        .order_by()
        .annotate(rate_month=month)
        .values("rate_month", rate_region=F(clock.region), rate_office=F(clock.office))
        .annotate(due_count=Count("pk"), on_time_count=Count("pk", filter=on_time_condition(clock, by_date)))
    )


@transaction.atomic
def clock_months_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute the on-time statistics (``ClockMonth``) of every clock for this month and the 12 before it."""
    now = now or timezone.now()
    first = month_start(timezone.localdate(now), RATE_MONTHS - 1)
    written = 0
    for clock in clocks().values():
        if not clock.history or not clock.done:
            continue
        rows = [
            ClockMonth(
                clock=clock.name,
                month=r["rate_month"].date() if isinstance(r["rate_month"], datetime) else r["rate_month"],
                region_id=r["rate_region"],
                office_id=r["rate_office"],
                due=r["due_count"],
                on_time=r["on_time_count"],
                computed_at=now,
            )
            for r in clock_month_rows(clock, now, first)
        ]
        ClockMonth.objects.filter(clock=clock.name, month__gte=first).delete()
        ClockMonth.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return {"rows": written}
