"""How urgent an item with a due time is: one definition for every worklist and home panel.

An item is **overdue** once its due time has passed and **due today** when it falls due later today (Asia/Shanghai,
the project's time zone). For a due *date* (a ``DateField``: due by the end of that day) it is overdue from the
next day on and due today on that day. Every worklist marks its rows and counts them this way, so "已逾期" and
"今日到期" mean the same on every page.

Over a queryset (the field is a ``DateTimeField`` or a ``DateField`` of its model; ``field`` may follow
relations, ``"registration__first_contact_due_at"``)::

    now = timezone.now()
    counts(items, now, field="due_at")                  # {"total": 12, "overdue": 3, "due_today": 2}: one query
    filter_due(items, "overdue", now, field="due_at")   # the overdue ones ("today": due today; "": all)
    items.values("office_id").annotate(**urgency_counts(now, field="due_at"))   # the counts per office

One item::

    urgency(item.due_at, now)      # Urgency(overdue=False, due_today=True); a date works too

The filter values the pages accept in ``?due=`` are ``DUE_FILTERS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

OVERDUE = "overdue"
DUE_TODAY = "today"
DUE_FILTERS = (OVERDUE, DUE_TODAY)  # the values of ``?due=`` on a worklist


@dataclass(frozen=True)
class Urgency:
    overdue: bool
    due_today: bool


def end_of_day(now: datetime) -> datetime:
    """The last moment of ``now``'s day in the current time zone (Asia/Shanghai)."""
    return datetime.combine(timezone.localdate(now), time.max, tzinfo=timezone.get_current_timezone())


def urgency(due: datetime | date, now: datetime | None = None) -> Urgency:
    """Whether one item due at ``due`` (a moment, or a date meaning the end of that day) is overdue or due today."""
    now = now or timezone.now()
    if isinstance(due, datetime):
        return Urgency(
            overdue=due < now,
            due_today=due >= now and timezone.localdate(due) == timezone.localdate(now),
        )
    today = timezone.localdate(now)
    return Urgency(overdue=due < today, due_today=due == today)


def _conditions(now: datetime, field: str, by_date: bool) -> tuple[Q, Q]:
    """(overdue, due today) as conditions on ``field``."""
    if by_date:
        today = timezone.localdate(now)
        return Q(**{f"{field}__lt": today}), Q(**{field: today})
    return Q(**{f"{field}__lt": now}), Q(**{f"{field}__gte": now, f"{field}__lte": end_of_day(now)})


def urgency_counts(now: datetime, field: str = "due_at", *, by_date: bool = False) -> dict[str, Count]:
    """Aggregates for ``aggregate()`` / ``annotate()``: how many items, how many overdue, how many due today.

    ``by_date`` for a ``DateField`` (``counts`` and ``filter_due`` find that out from the queryset).
    """
    overdue, today = _conditions(now, field, by_date)
    return {
        "total": Count("pk"),
        "overdue": Count("pk", filter=overdue),
        "due_today": Count("pk", filter=today),
    }


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


def filter_due(queryset: QuerySet[M], due: str, now: datetime, field: str = "due_at") -> QuerySet[M]:
    """``queryset`` narrowed to the overdue items (``due="overdue"``) or those due today (``"today"``); any
    other value (``""``) leaves it as it is."""
    if due not in DUE_FILTERS:
        return queryset
    overdue, today = _conditions(now, field, is_date_field(queryset, field))
    return queryset.filter(overdue if due == OVERDUE else today)
