"""State transitions: a map of the allowed moves of a status field, and one way to make a move exactly once.

Every stage keeps, next to its status choices, the moves it allows and the named groups (STYLE.md §4). The
choices live at module level when ``Meta`` needs them (a nested class cannot see the model body's names)::

    class TicketStatus(models.TextChoices):
        OPEN = "open", _("待处理")
        DONE = "done", _("已办结")
        CANCELLED = "cancelled", _("已取消")

    TICKET_MOVES = Transitions(TicketStatus, {TicketStatus.OPEN: {TicketStatus.DONE, TicketStatus.CANCELLED}})

    class Ticket(TimeStampedModel):
        Status = TicketStatus
        STATUS_MOVES = TICKET_MOVES
        OPEN_STATES = STATUS_MOVES.non_terminal  # ("open",)
        TERMINAL_STATES = STATUS_MOVES.terminal  # ("done", "cancelled")
        status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

        class Meta:
            constraints = [models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name=...)]

and moves a row with ``transition``: a conditional UPDATE on the primary key *and* the old state, so of two
workers (a caseworker's click and a beat job, two clicks) that race on the same row exactly one wins::

    won = transition(Ticket, ticket.pk, from_=Ticket.Status.OPEN, to=Ticket.Status.DONE,
                     allowed=Ticket.STATUS_MOVES, closed_by=user)
    if not won:
        ...  # someone else moved it first: refresh and tell the user, or do nothing

A move the map does not allow is a programming error (``TransitionNotAllowed``, a ValueError) raised before
the database is touched; a service that lets a user choose the new state checks ``allowed(old, new)`` first
and answers with a ValidationError of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone


def _value(state: Any) -> Any:
    """The plain value of a choices member ("open" for ``Status.OPEN``); anything else as it is."""
    return getattr(state, "value", state)


class TransitionNotAllowed(ValueError):
    """A move that the map does not allow (a bug in the caller, not a race: that returns False)."""

    def __init__(self, old: str, new: str, targets: Iterable[str]):
        old, new = _value(old), _value(new)
        self.old, self.new = old, new
        allowed = ", ".join(repr(t) for t in targets) or "none, it is terminal"
        super().__init__(f"{old!r} → {new!r} is not an allowed move (from {old!r}: {allowed})")


class Transitions:
    """The allowed moves of one status field: ``{old: {new, ...}}`` over the states of ``states``.

    ``states`` is the choices class (or any iterable of the values); every state named in ``moves`` must be
    one of them (ImproperlyConfigured otherwise). A state with no way out is terminal. Moving to the same
    state is a move like any other: allowed only if the map lists it.
    """

    def __init__(self, states: Iterable[str], moves: Mapping[str, Iterable[str]]):
        self.states: tuple[str, ...] = tuple(_value(s) for s in states)
        known = set(self.states)
        self._moves: dict[str, tuple[str, ...]] = {}
        for old, targets in moves.items():
            old, listed = _value(old), {_value(t) for t in targets}
            unknown = ({old} | listed) - known
            if unknown:
                raise ImproperlyConfigured(f"Transitions: unknown state(s) {sorted(map(str, unknown))}")
            if listed:
                self._moves[old] = tuple(s for s in self.states if s in listed)  # in declaration order

    def targets(self, old: str) -> tuple[str, ...]:
        """The states ``old`` may move to (empty for a terminal state)."""
        return self._moves.get(_value(old), ())

    def sources(self, new: str) -> tuple[str, ...]:
        """The states from which ``new`` may be reached."""
        return tuple(old for old in self.states if self.allowed(old, new))

    def allowed(self, old: str, new: str) -> bool:
        return _value(new) in self.targets(old)

    def check(self, old: str, new: str) -> None:
        """Raise TransitionNotAllowed unless ``old`` → ``new`` is in the map."""
        if not self.allowed(old, new):
            raise TransitionNotAllowed(old, new, self.targets(old))

    @property
    def terminal(self) -> tuple[str, ...]:
        """The states with no way out, in declaration order."""
        return tuple(s for s in self.states if s not in self._moves)

    @property
    def non_terminal(self) -> tuple[str, ...]:
        """The states with a way out (the open ones), in declaration order."""
        return tuple(s for s in self.states if s in self._moves)

    def __repr__(self) -> str:
        return f"Transitions({ {k: list(v) for k, v in self._moves.items()} })"


def transition(
    target: type[models.Model] | models.QuerySet,
    pk: Any,
    *,
    field: str = "status",
    from_: str | Iterable[str],
    to: str,
    allowed: Transitions,
    **changes: Any,
) -> bool:
    """Move row ``pk`` of ``target`` (a model, or a queryset to narrow the rows) from ``from_`` (one state or
    several) to ``to``, setting ``changes`` too, in one conditional UPDATE; returns whether this call moved it.

    False means the row was not in (one of) the ``from_`` states any more, or is not in ``target``: someone
    else moved it first. Raises TransitionNotAllowed (ValueError) if any ``from_`` → ``to`` is not in
    ``allowed``. Fields with ``auto_now`` (``updated_at``) are set to now unless ``changes`` sets them. No
    signals are sent and the instance in memory is not changed: ``refresh_from_db()`` it if it is used again.
    Inside a transaction the UPDATE locks the row until commit, so a concurrent call waits and then loses.
    """
    if isinstance(target, models.QuerySet | models.Manager):
        queryset = target.all()
    else:
        queryset = target._default_manager.all()
    olds = (_value(from_),) if isinstance(from_, str) else tuple(_value(s) for s in from_)
    if not olds:
        raise ValueError("transition: from_ names no state")
    for old in olds:
        allowed.check(old, to)
    opts = queryset.model._meta
    opts.get_field(field)  # FieldDoesNotExist for a typo
    if field in changes:
        raise ValueError(f"transition: {field!r} is set by to=, not by the changes")
    now = None
    for f in opts.concrete_fields:
        if getattr(f, "auto_now", False) and f.name not in changes:
            now = now or timezone.now()
            changes[f.name] = now if isinstance(f, models.DateTimeField) else timezone.localdate(now)
    return queryset.filter(pk=pk, **{f"{field}__in": olds}).update(**{field: _value(to)}, **changes) == 1
