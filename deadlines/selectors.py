"""Reads of the supervisors' dashboard: the clocks' items in a region by state, by office and by caseworker, the
on-time rates, and the list behind every number (``clock_list``: the same selector the numbers count).

Every read starts from a clock's open items (``Clock.open_items``) scoped with ``offices.scoping.scope_by_region``
over the clock's region path, then narrowed to the region chosen on the dashboard (the user's or one below it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import F, Max, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from common.urgency import STATES, filter_due, urgency, urgency_counts
from offices.models import Office, Region
from offices.scoping import can_see_region, scope_by_region, user_scope_path
from portal.plugins import Clock, clocks

from .models import ClockLoad, ClockMonth
from .services import RATE_MONTHS, month_start


def visible_clocks(user) -> list[Clock]:
    return [clock for clock in clocks().values() if clock.visible_to(user)]


def clock_or_404(user, name: str) -> Clock:
    clock = clocks().get(name)
    if clock is None or not clock.visible_to(user):
        raise Http404
    return clock


def home_region(user) -> Region | None:
    """The region the dashboard opens on: the user's office's; a superuser without an office: the province of
    the first office."""
    office = getattr(user, "office", None)
    if office is not None:
        return office.region
    if user_scope_path(user) == "":
        first = Office.objects.select_related("region").order_by("region__path").first()
        if first is not None:
            return Region.objects.get(code=first.region.path.split("/")[0])
    return None


def dashboard_region(user, code: str | None) -> Region:
    """The region asked for (``?region=CODE``) if the user may see it, else 404; none asked: ``home_region``."""
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None or not can_see_region(user, region):
            raise Http404
        return region
    region = home_region(user)
    if region is None:
        raise Http404
    return region


def clock_items(clock: Clock, user, region: Region) -> QuerySet[Any]:
    """The open items of ``clock`` the user may see, in ``region`` and below."""
    items = scope_by_region(clock.open_items(), user, field=clock.region)
    if region.path != user_scope_path(user):
        items = items.filter(**{f"{clock.region}__path__startswith": region.path})
    return items


def clock_list(
    clock: Clock,
    user,
    region: Region,
    *,
    now: datetime,
    state: str = "",
    office_id: int | None = None,
    responsible_id: int | None = None,
) -> QuerySet[Any]:
    """The items behind one number of the dashboard: one clock, one state, optionally one office or one person;
    the earliest due first."""
    items = clock_items(clock, user, region)
    if office_id is not None:
        items = items.filter(**{clock.office: office_id})
    if responsible_id is not None and clock.responsible:
        items = items.filter(**{clock.responsible: responsible_id})
    items = filter_due(items, state, now, clock.due)
    return items.select_related(*clock.select).order_by(clock.due, "pk")


@dataclass
class ClockSummary:
    clock: Clock
    totals: dict[str, int]
    by_office: list[dict[str, Any]] = field(default_factory=list)
    by_person: list[dict[str, Any]] = field(default_factory=list)
    rates: list[dict[str, Any]] = field(default_factory=list)
    list_url: str = ""
    export_url: str = ""
    computed_at: datetime | None = None  # when the open items were counted (deadlines.load)


COUNTS = ("total", "overdue", "due_today", "due_soon", "on_time")


def _add(into: dict[str, Any], row: Any) -> None:
    for key in COUNTS:
        into[key] = into.get(key, 0) + (row[key] or 0)


def clock_summaries(
    shown: list[Clock], region: Region, now: datetime, soon_until: datetime
) -> list[ClockSummary]:
    """Every clock in ``region``: the counts by state, by office and by responsible person, in one query over the
    open-item counts the job ``deadlines.load`` keeps (``ClockLoad``, by due day), the states by
    ``common.urgency`` against ``now``."""
    states = urgency_counts(now, "due_day", by_date=True, soon_until=soon_until)
    aggregates = {key: Sum("items", filter=value.filter) for key, value in states.items() if key != "total"}
    rows = (
        ClockLoad.objects.filter(clock__in=[c.name for c in shown], region__path__startswith=region.path)
        .values(
            "clock",
            office_key=F("office_id"),
            office_label=F("office__name"),
            person_key=F("responsible_id"),
            person_login=F("responsible__username"),
            person_label=F("responsible__handler_name"),
            person_office=F("responsible__office__name"),
        )
        .annotate(total=Sum("items"), at=Max("computed_at"), **aggregates)
        .order_by()
    )
    summaries = {c.name: ClockSummary(c, dict.fromkeys(COUNTS, 0)) for c in shown}
    computed: list[datetime] = []
    offices: dict[str, dict[Any, dict[str, Any]]] = {c.name: {} for c in shown}
    people: dict[str, dict[Any, dict[str, Any]]] = {c.name: {} for c in shown}
    for row in rows:
        name = row["clock"]
        computed.append(row["at"])
        _add(summaries[name].totals, row)
        office = offices[name].setdefault(
            row["office_key"], {"office_key": row["office_key"], "office_label": row["office_label"]}
        )
        _add(office, row)
        if summaries[name].clock.responsible:
            person = people[name].setdefault(
                row["person_key"],
                {
                    "person_key": row["person_key"],
                    "person_login": row["person_login"],
                    "person_label": row["person_label"],
                    "office_label": row["person_office"],
                },
            )
            _add(person, row)
    for name, summary in summaries.items():
        summary.computed_at = min(computed) if computed else None
        summary.by_office = sorted(offices[name].values(), key=lambda r: r["office_label"] or "")
        summary.by_person = sorted(
            people[name].values(), key=lambda r: (r["office_label"] or "", r["person_login"] or "")
        )
    return [summaries[c.name] for c in shown]


def months_back(today: date) -> list[date]:
    """This month and the 12 before it, oldest first."""
    return [month_start(today, back) for back in range(RATE_MONTHS - 1, -1, -1)]


def on_time_rates(names: list[str], region: Region, today: date) -> dict[str, Any]:
    """Per clock, per month (oldest first): items due, done on time, the rate in percent (None: nothing due);
    ``"_at"``: when they were computed. One query over the statistics the job ``deadlines.rates`` keeps."""
    months = months_back(today)
    rows = (
        ClockMonth.objects.filter(clock__in=names, month__gte=months[0], region__path__startswith=region.path)
        .values("clock", "month")
        .annotate(due_sum=Sum("due"), on_time_sum=Sum("on_time"), at=Max("computed_at"))
        .order_by()
    )
    found = {(r["clock"], r["month"]): r for r in rows}
    result: dict[str, Any] = {"_at": max((r["at"] for r in found.values()), default=None)}
    for name in names:
        series = []
        for month in months:
            row = found.get((name, month))
            due = row["due_sum"] if row else 0
            on_time = row["on_time_sum"] if row else 0
            series.append(
                {
                    "month": month,
                    "due": due,
                    "on_time": on_time,
                    "rate": round(100 * on_time / due, 1) if due else None,
                }
            )
        result[name] = series
    return result


def dashboard(user, region: Region, now: datetime | None = None) -> dict[str, Any]:
    """Everything on the dashboard for ``region``: per clock the counts by state, by office and by person; the
    on-time rates; the child regions to switch to. Five queries, whatever the number of clocks and items."""
    from common.urgency import due_soon_until

    now = now or timezone.now()
    soon_until = due_soon_until(now)
    shown = visible_clocks(user)
    summaries = clock_summaries(shown, region, now, soon_until)
    rates = on_time_rates([c.name for c in shown], region, timezone.localdate(now))
    for summary in summaries:
        summary.rates = rates[summary.clock.name]
    loads_at = summaries[0].computed_at if summaries else None
    return {
        "now": now,
        "soon_until": soon_until,
        "summaries": summaries,
        "states": STATES,
        "children": list(Region.objects.filter(parent=region).order_by("code")),
        "rates_at": rates["_at"],
        "loads_at": loads_at,
    }


def state_of(clock: Clock, item: Any, now: datetime, soon_until: datetime) -> str:
    return urgency(due_of(clock, item), now, soon_until=soon_until).state


def due_of(clock: Clock, item: Any) -> Any:
    """The due time (or date) of one item, following the clock's ``due`` path."""
    due = item
    for part in clock.due.split("__"):
        due = getattr(due, part)
    return due
