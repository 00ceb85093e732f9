"""Telling people what happened (the result of an application, ...): SMS through a pluggable backend.

    notification_queue(phone="13800000000", text="...", ref=f"application:{app.number}")

The row is written in the caller's transaction and handed to Celery only after commit; the send claims the
row (conditional update), calls the backend configured in ``SMS_BACKEND`` and records the outcome. A beat job
re-sends rows left queued (broker down, worker lost) so no message is lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification
from .privacy import mask_personal_data, mask_phone
from .queueing import enqueue_on_commit

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class SmsError(Exception):
    """A backend could not deliver a message (the text says why)."""


class LoggingSmsBackend:
    """Development backend: writes the message to the log, the phone number and any ID or phone number in the
    text masked (``common.privacy``), and counts it as sent."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), mask_personal_data(text))


def notification_queue(*, phone: str, text: str, ref: str) -> Notification:
    """Store a message and send it after the surrounding transaction commits. Returns the stored row."""
    phone = (phone or "").strip()
    if not phone:
        return Notification.objects.create(phone="", text=text, ref=ref, status=Notification.Status.NO_PHONE)
    notification = Notification.objects.create(phone=phone, text=text, ref=ref)
    enqueue_on_commit("common.send_notification", notification.pk)
    return notification


def notification_send(*, notification_id: int) -> bool:
    """Send one queued message. Returns True if this call sent it, False if it was not (or no longer) queued.

    Claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` so two workers never send the same message; a backend
    failure is recorded and the message stays queued for the sweep until MAX_ATTEMPTS.
    """
    backend_path = settings.SMS_BACKEND
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.QUEUED)
            .first()
        )
        if notification is None:
            return False
        notification.attempts += 1
        notification.backend = backend_path
        try:
            import_string(backend_path)().send(notification.phone, notification.text)
        except SmsError as exc:
            notification.error = str(exc)[:300]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            notification.save(update_fields=["attempts", "backend", "error", "status", "updated_at"])
            return False
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.error = ""
        notification.save(update_fields=["attempts", "backend", "error", "status", "sent_at", "updated_at"])
        return True


def notification_resend_queued(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Send every message still queued after ``older_than``. Returns how many were sent now."""
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(status=Notification.Status.QUEUED, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(notification_send(notification_id=pk) for pk in ids)
