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
from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.urgency import DUE_SOON, DUE_TODAY, OVERDUE, conditions, due_soon_until, is_date_field
from offices.models import Region, User
from offices.roles import Role
from portal.plugins import Clock, ClockRow, clocks
from workdays.calendar import CalendarNotLoaded, workdays_before

from .models import Alert, AlertLevel, AlertRecipient, ClockLoad, ClockMonth

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
    index of alerts), as values: the item's key as text, its due time, region, region path, office, responsible
    person."""
    items = clock.open_items()
    condition = level_condition(clock, items, level, th)
    if condition is None:
        return None
    key = Cast("pk", output_field=CharField())
    alerted = Alert.objects.filter(
        clock=clock.name, level=level, item=Cast(OuterRef("pk"), output_field=CharField())
    )
    return (
        items.filter(condition)
        .exclude(Exists(alerted))
        .order_by()
        .values_list(
            key,
            F(clock.due),
            F(clock.region),
            F(f"{clock.region}__path"),
            F(clock.office),
            F(clock.responsible) if clock.responsible else Cast(Value(None), output_field=BigIntegerField()),
        )
    )


def _alert_clock_level(clock: Clock, level: str, th: Thresholds, recipients: Recipients) -> tuple[int, int]:
    """Alerts (and inbox rows) for the new items of one clock at one level, set-based: one INSERT … SELECT of
    the alerts from the items' query (ON CONFLICT DO NOTHING: the unique constraint keeps one per item and level
    even if two sweeps ever overlapped), then one INSERT of the recipients. Returns (alerts, recipients) made."""
    items = _new_items(clock, level, th)
    if items is None:
        return 0, 0
    by_date = is_date_field(clock.open_items(), clock.due)
    select_sql, params = items.query.sql_with_params()
    # The item query's columns, in order: key, due, region, path, office, responsible.
    due = "(q.c1::timestamp + time '23:59:59.999999') AT TIME ZONE %s" if by_date else "q.c1"
    due_params = [settings.TIME_ZONE] if by_date else []
    sql = (
        f"WITH q (c0, c1, c2, c3, c4, c5) AS ({select_sql}), "
        "ins AS (INSERT INTO deadlines_alert (clock, item, level, due_at, region_id, office_id, created_at) "
        f"SELECT %s, q.c0, %s, {due}, q.c2, q.c4, %s FROM q "
        "ON CONFLICT (clock, item, level) DO NOTHING RETURNING id, item) "
        "SELECT ins.id, q.c3, q.c5 FROM ins JOIN q ON q.c0 = ins.item"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, clock.name, level, *due_params, th.now])
        made = cursor.fetchall()
        alert_ids: list[int] = []
        user_ids: list[int] = []
        for alert_id, path, responsible in made:
            for user_id in recipients.for_level(level, path, responsible):
                alert_ids.append(alert_id)
                user_ids.append(user_id)
        if alert_ids:
            cursor.execute(
                "INSERT INTO deadlines_alertrecipient (alert_id, user_id) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
                [alert_ids, user_ids],
            )
    return len(made), len(alert_ids)


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
            described = describe_alerts([r.alert for r in rows])
            with translation.override("zh-hans"):
                lines = []
                for r in rows:
                    item = described.get(r.alert.pk)
                    lines.append(
                        f"{r.alert.get_level_display()} · {labels.get(r.alert.clock, r.alert.clock)} · "
                        f"{item.number if item else r.alert.item} · "
                        f"{timezone.localtime(r.alert.due_at):%Y-%m-%d %H:%M}"
                        + (f" · {site}{item.url}" if item else "")
                    )
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


def describe_alerts(alerts: Iterable[Alert]) -> dict[int, ClockRow]:
    """What each alert is about (number, masked person, page), read from its clock: one query per clock of the
    alerts given (a page of the inbox, one person's digest). An item no longer found is left out."""
    by_clock: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_clock[alert.clock].append(alert)
    found: dict[int, ClockRow] = {}
    declared = clocks()
    for name, group in by_clock.items():
        clock = declared.get(name)
        every = clock.all_items() if clock is not None else None
        if clock is None or every is None:
            continue
        items = every.filter(pk__in=[a.item for a in group]).select_related(*clock.select)
        rows = {str(item.pk): clock.row_of(item) for item in items}
        for alert in group:
            if alert.item in rows:
                found[alert.pk] = rows[alert.item]
    return found


# ---- the dashboard's counts of open items ------------------------------------------------------------------
@transaction.atomic
def clock_loads_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Count every clock's open items by region, office, responsible person and due day (``ClockLoad``), from the
    clock's own selector, in one INSERT … SELECT per clock; replaces the previous counts."""
    now = now or timezone.now()
    written = 0
    with connection.cursor() as cursor:
        for clock in clocks().values():
            items = clock.open_items()
            by_date = is_date_field(items, clock.due)
            day = F(clock.due) if by_date else TruncDate(clock.due, tzinfo=_tz())
            grouped = (
                items.order_by()
                .values_list(
                    F(clock.region),
                    F(clock.office),
                    F(clock.responsible)
                    if clock.responsible
                    else Cast(Value(None), output_field=BigIntegerField()),
                    day,
                )
                .annotate(n=Count("pk"))
            )
            select_sql, params = grouped.query.sql_with_params()
            ClockLoad.objects.filter(clock=clock.name).delete()
            cursor.execute(
                "INSERT INTO deadlines_clockload (clock, region_id, office_id, responsible_id, due_day, items, "
                f"computed_at) SELECT %s, q.*, %s FROM ({select_sql}) q",
                [clock.name, now, *params],
            )
            written += cursor.rowcount
    return {"rows": written}


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
