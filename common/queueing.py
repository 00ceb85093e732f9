"""Handing work to Celery after a database change: the one way to queue a task.

    enqueue_on_commit("registration.process_import_batch", batch.pk)

The task is named, not imported, so the module that queues it never imports the task module (which imports the
services): no import cycle between a service and its task. The database row is the durable record of the work
and a periodic sweep re-finds whatever was not processed, so a broker that is down (Redis restarting) is
logged, never raised: the user's change stands.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> None:
    """Queue ``task_name(*args)`` now; never fail the caller (see the module docstring)."""
    try:
        current_app.send_task(task_name, args=list(args))
    except Exception:  # noqa: BLE001  (kombu raises several types; all mean "not queued now")
        logger.warning(
            "could not queue %s%r; the periodic sweep will pick it up", task_name, args, exc_info=True
        )


def enqueue_on_commit(task_name: str, *args) -> None:
    """Queue ``task_name(*args)`` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task_name, *args))
