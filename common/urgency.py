"""How urgent an item with a due time is: one definition for every worklist, home panel, the supervisors'
dashboard, the escalation sweep and the exports.

An item is in exactly one of four states (``STATES``):

- **overdue** (已逾期) once its due time has passed;
- **due today** (今日到期) when it falls due later today (Asia/Shanghai, the project's time zone);
- **due soon** (即将到期) when it falls due after today but by the end of the ``DUE_SOON_WORKDAYS``-th working
  day after today (setting, default 2; counted on the working-day calendar, ``workdays``);
- **on time** (未到期) otherwise.

For a due *date* (a ``DateField``: due by the end of that day) it is overdue from the next day on and due today on
that day. Every worklist marks its rows and counts them this way, so "已逾期" and "今日到期" mean the same on every
page. What carries a due time is declared once per stage as a *clock* (``portal.plugins.Clock``).

Over a queryset (the field is a ``DateTimeField`` or a ``DateField`` of its model; ``field`` may follow
relations, ``"registration__first_contact_due_at"``)::

    now = timezone.now()
    counts(items, now, field="due_at")                  # {"total": 12, "overdue": 3, "due_today": 2}: one query
    filter_due(items, "overdue", now, field="due_at")   # the overdue ones ("today": due today; "": all)
    items.values("office_id").annotate(**urgency_counts(now, field="due_at"))   # the counts per office

One item::

    urgency(item.due_at, now)      # Urgency(overdue=False, due_today=True); a date works too

The "due soon" state needs the calendar: ``soon = due_soon_until(now)`` (the end of the Nth working day after
today) is passed to ``urgency(..., soon_until=soon)``, ``urgency_counts(..., soon_until=soon)`` (adds ``due_soon``
and ``on_time``) and ``filter_due`` (which computes it itself when it needs it). ``state_counts`` gives all four.

The filter values the pages accept in ``?due=`` are ``DUE_FILTERS``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)

OVERDUE = "overdue"
DUE_TODAY = "today"
DUE_SOON = "soon"
ON_TIME = "on_time"
DUE_FILTERS = (OVERDUE, DUE_TODAY)  # the values of ``?due=`` on a stage's worklist
STATES = (
    OVERDUE,
    DUE_TODAY,
    DUE_SOON,
    ON_TIME,
)  # every state, the most urgent first (the dashboard's columns)
STATE_LABELS = {
    OVERDUE: _("已逾期"),
    DUE_TODAY: _("今日到期"),
    DUE_SOON: _("即将到期"),
    ON_TIME: _("未到期"),
}
# The key of each state in the dicts of ``urgency_counts`` / ``state_counts``.
COUNT_KEYS = {OVERDUE: "overdue", DUE_TODAY: "due_today", DUE_SOON: "due_soon", ON_TIME: "on_time"}


@dataclass(frozen=True)
class Urgency:
    overdue: bool
    due_today: bool
    due_soon: bool = False

    @property
    def state(self) -> str:
        if self.overdue:
            return OVERDUE
        if self.due_today:
            return DUE_TODAY
        return DUE_SOON if self.due_soon else ON_TIME

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


def due_soon_workdays() -> int:
    """How many working days ahead an item counts as "due soon" (setting ``DUE_SOON_WORKDAYS``, default 2)."""
    return int(getattr(settings, "DUE_SOON_WORKDAYS", 2))


def end_of_day(now: datetime) -> datetime:
    """The last moment of ``now``'s day in the current time zone (Asia/Shanghai)."""
    return datetime.combine(timezone.localdate(now), time.max, tzinfo=timezone.get_current_timezone())


def due_soon_until(now: datetime, workdays: int | None = None) -> datetime:
    """The end of "due soon": the end (Asia/Shanghai) of the Nth working day after ``now``'s day (N =
    ``DUE_SOON_WORKDAYS``). Where the calendar does not reach that far (next year not loaded yet), nothing is
    called due soon beyond the calendar: the horizon stops at the end of today and a warning is logged, never a
    guess on plain weekdays."""
    from workdays.calendar import CalendarNotLoaded, deadline_at

    n = due_soon_workdays() if workdays is None else workdays
    if n <= 0:
        return end_of_day(now)
    try:
        return deadline_at(timezone.localdate(now), n)
    except CalendarNotLoaded as exc:
        logger.warning("due-soon horizon: %s; nothing is marked due soon", exc.day)
        return end_of_day(now)


def urgency(
    due: datetime | date, now: datetime | None = None, *, soon_until: datetime | None = None
) -> Urgency:
    """The state of one item due at ``due`` (a moment, or a date meaning the end of that day); ``due_soon`` only
    when ``soon_until`` (``due_soon_until(now)``) is given."""
    now = now or timezone.now()
    if isinstance(due, datetime):
        overdue = due < now
        today = not overdue and timezone.localdate(due) == timezone.localdate(now)
        soon = soon_until is not None and not overdue and not today and due <= soon_until
        return Urgency(overdue=overdue, due_today=today, due_soon=soon)
    day = timezone.localdate(now)
    soon = soon_until is not None and day < due <= timezone.localdate(soon_until)
    return Urgency(overdue=due < day, due_today=due == day, due_soon=soon)


def conditions(now: datetime, field: str, by_date: bool, soon_until: datetime | None = None) -> dict[str, Q]:
    """Each state as a condition on ``field`` (``due_soon`` and ``on_time`` only with ``soon_until``); each is a
    range on the due field, so an index on it serves every state."""
    if by_date:
        today = timezone.localdate(now)
        found = {OVERDUE: Q(**{f"{field}__lt": today}), DUE_TODAY: Q(**{field: today})}
        if soon_until is not None:
            horizon = timezone.localdate(soon_until)
            found[DUE_SOON] = Q(**{f"{field}__gt": today, f"{field}__lte": horizon})
            found[ON_TIME] = Q(**{f"{field}__gt": max(horizon, today)})
        return found
    eod = end_of_day(now)
    found = {
        OVERDUE: Q(**{f"{field}__lt": now}),
        DUE_TODAY: Q(**{f"{field}__gte": now, f"{field}__lte": eod}),
    }
    if soon_until is not None:
        found[DUE_SOON] = Q(**{f"{field}__gt": eod, f"{field}__lte": soon_until})
        found[ON_TIME] = Q(**{f"{field}__gt": max(eod, soon_until)})
    return found


def urgency_counts(
    now: datetime, field: str = "due_at", *, by_date: bool = False, soon_until: datetime | None = None
) -> dict[str, Count]:
    """Aggregates for ``aggregate()`` / ``annotate()``: how many items, how many overdue, how many due today and,
    with ``soon_until``, how many due soon and on time.

    ``by_date`` for a ``DateField`` (``counts`` and ``filter_due`` find that out from the queryset).
    """
    found = conditions(now, field, by_date, soon_until)
    return {"total": Count("pk"), **{COUNT_KEYS[state]: Count("pk", filter=q) for state, q in found.items()}}


def is_date_field(queryset: QuerySet[Any], field: str) -> bool:
    """Whether ``field`` (following ``__`` relations from the queryset's model) is a date, not a moment."""
    model: Any = queryset.model
    *path, last = field.split("__")
    for name in path:
        model = model._meta.get_field(name).related_model
    found = model._meta.get_field(last)
    return isinstance(found, models.DateField) and not isinstance(found, models.DateTimeField)


def counts(queryset: QuerySet[Any], now: datetime, field: str = "due_at") -> dict[str, int]:
    """The urgency counts of ``queryset`` as a whole (one query): ``{"total", "overdue", "due_today"}``."""
    return queryset.aggregate(**urgency_counts(now, field, by_date=is_date_field(queryset, field)))


def state_counts(
    queryset: QuerySet[Any], now: datetime, field: str = "due_at", *, soon_until: datetime | None = None
) -> dict[str, int]:
    """All four states of ``queryset`` in one query: ``{"total", "overdue", "due_today", "due_soon", "on_time"}``."""
    soon_until = soon_until or due_soon_until(now)
    by_date = is_date_field(queryset, field)
    return queryset.aggregate(**urgency_counts(now, field, by_date=by_date, soon_until=soon_until))


def filter_due(
    queryset: QuerySet[M],
    due: str,
    now: datetime,
    field: str = "due_at",
    *,
    soon_until: datetime | None = None,
) -> QuerySet[M]:
    """``queryset`` narrowed to the overdue items (``due="overdue"``), those due today (``"today"``), due soon
    (``"soon"``) or on time (``"on_time"``); any other value (``""``) leaves it as it is."""
    if due not in STATES:
        return queryset
    if due in (DUE_SOON, ON_TIME) and soon_until is None:
        soon_until = due_soon_until(now)
    found = conditions(now, field, is_date_field(queryset, field), soon_until)
    return queryset.filter(found[due])
