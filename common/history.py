"""Append-only history of every change to case records, with who and when (django-pghistory).

Database triggers write one event row per insert, update and delete, so bulk ``update()``/``delete()``, the
admin, the shell and Celery jobs are all covered. The event tables are protected against UPDATE and DELETE
(append-only). Who did it comes from the history *context*:

- web requests: ``pghistory.middleware.HistoryMiddleware`` records the signed-in user and the URL;
- jobs and commands: wrap the work in ``history_context(actor=..., source="task:deadline_sweep")``.

    @tracked()
    class Application(TimeStampedModel): ...

    with history_context(actor=None, source="command:import_graduates"):
        application_create(...)

Reading: ``history_for(obj)`` lists the events of one object, newest first, with actor and time.
"""

from __future__ import annotations

from typing import Any

import pghistory
import pgtrigger
from django.db import models


def tracked(*, inserts: bool = True, **kwargs: Any):
    """Class decorator: track inserts, updates and deletes of a model in an append-only event table.

    ``inserts=False`` for rows a job opens by the hundred thousand in one statement (a follow-up per registration
    per month): their creation is the job's run (``JobRun`` with its counts); every later change and any delete is
    still kept with who and when.
    """
    # Fresh tracker instances per model: pghistory binds a tracker's condition to the model it decorates.
    # An update that only touches auto_now fields (updated_at) is not a change worth an event.
    trackers = (
        *([pghistory.InsertEvent()] if inserts else []),
        pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude_auto=True)),
        pghistory.DeleteEvent(),
    )
    return pghistory.track(*trackers, append_only=True, **kwargs)


def append_only(name: str = "append_only") -> pgtrigger.Protect:
    """A trigger that refuses UPDATE and DELETE of a log row (put it in the model's ``Meta.triggers``); the app's
    database role loses those privileges on the table too (``common/dbroles.py``)."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


def history_context(*, actor=None, source: str, **extra: Any) -> pghistory.context:
    """Attach ``actor`` (a user or None for the system) and ``source`` to every tracked write inside."""
    return pghistory.context(user=getattr(actor, "pk", None), source=source, **extra)


def history_for(obj: models.Model) -> list[dict]:
    """The events of ``obj``, newest first: label (insert/update/delete), when, user id, source/url, diff."""
    events = (
        pghistory.models.Events.objects.tracks(obj)
        .order_by("-pgh_created_at", "-pgh_id")
        .values("pgh_label", "pgh_created_at", "pgh_context", "pgh_diff", "pgh_data")
    )
    rows = []
    for e in events:
        ctx = e["pgh_context"] or {}
        rows.append(
            {
                "label": e["pgh_label"],
                "at": e["pgh_created_at"],
                "user_id": ctx.get("user"),
                "source": ctx.get("source") or ctx.get("url"),
                "diff": e["pgh_diff"],
                "data": e["pgh_data"],
            }
        )
    return rows
