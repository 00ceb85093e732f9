"""The national sync's clock on the deadlines dashboard: an exit record is acknowledged by the platform by the end
of the first working day after the exit took effect; until then it is an open item the sweep alerts on."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from common.urgency import OVERDUE, urgency
from deadlines.models import Alert, AlertLevel
from deadlines.services import alerts_sweep
from national_sync.models import ExitUpload
from national_sync.services import uploads_open
from offices.roles import Role
from portal.plugins import clocks
from tests.conftest import make_staff

from .factories import SH, effective_exits

pytestmark = pytest.mark.django_db


def test_an_exit_record_is_due_for_acknowledgement_on_the_next_working_day_and_alerted_when_overdue(
    caseworker_jiefang, office_jiefang
):
    make_staff("sup_jiefang", office_jiefang, Role.SUPERVISOR, handler_name="钱主管")
    effective_exits(caseworker_jiefang, 1)  # took effect on Friday 2026-11-20
    uploads_open()
    upload = ExitUpload.objects.get()
    assert upload.ack_due_on == date(2026, 11, 23)  # the next working day is Monday, not Saturday
    clock = clocks()["national_sync.upload"]
    assert list(clock.open_items()) == [upload]
    assert clock.row_of(upload).id_number != upload.exit.id_number  # masked

    with time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=SH), tick=False):
        assert urgency(upload.ack_due_on).state == OVERDUE
        alerts_sweep()
        alerts_sweep()  # once per level, however often the sweep runs
    alerts = Alert.objects.filter(clock="national_sync.upload", item=str(upload.pk), level=AlertLevel.OVERDUE)
    assert alerts.count() == 1
    assert [r.user.username for r in alerts.get().recipients.all()] == ["sup_jiefang"]

    ExitUpload.objects.filter(pk=upload.pk).update(
        status=ExitUpload.Status.ACKNOWLEDGED, receipt="R1", acknowledged_at=timezone.now()
    )
    assert not clock.open_items().exists()
