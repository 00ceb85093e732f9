"""Demo exits for `make run` (only with DEBUG or DEMO_DATA on), made through the services so every rule holds.

Six demo people of 解放区 (fixed citizen IDs, address ``DEMO_ADDRESS``), registered by caseworker_jiefang months
ago, each added once (a second run adds nothing):

- effective exits with different codes: 11 (found a job: SMS queued), 21 (pension, no phone: the printable
  notice), 26 (death: nobody told) and 12 (business);
- a code-32 proposal by caseworker_jiefang waiting for supervisor_jiaozuo's approval, for a person with the
  6-month unreachable streak, built through the follow-up stage's ``contact_record`` (failed attempts in each of
  the last six complete months, never reached);
- an exit (11) cancelled by supervisor_jiaozuo before its upload: the registration is active again.

Without those two demo users (offices/demo.py) nothing is added.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from followup.models import Channel, NotReachedReason
from followup.services import ContactData, case_for, contact_record
from offices.models import Region, User
from registration.idnumbers import check_character
from registration.models import Application, Person, Registration
from registration.services import PersonData, application_register, application_submit

from .services import exit_cancel, exit_propose

DEMO_ADDRESS = "演示数据（注销登记）"
REGION = "410802"
STREAK_MONTHS = 6
STREAK_NOTE = "演示数据：连续无法联系（注销）"

# (sequence number of the citizen ID, name, phone, what happens)
PEOPLE = [
    (901, "周建国", "13900009001", "11"),
    (903, "吴秀兰", "", "21"),
    (905, "郑国强", "13900009005", "26"),
    (907, "冯丽华", "13900009007", "12"),
    (909, "陈志远", "13900009009", "32"),
    (911, "褚明", "13900009011", "cancelled"),
]


def _citizen_id(seq: int) -> str:
    first17 = f"{REGION}19800315{seq:03d}"
    return first17 + check_character(first17)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _months_back(today: date, n: int) -> list[date]:
    """The first days of the ``n`` complete months before ``today``'s, oldest first."""
    months, month = [], today.replace(day=1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return list(reversed(months))


def _register(caseworker: User, seq: int, name: str, phone: str, on: date) -> Registration:
    person = PersonData(
        id_type="01", id_number=_citizen_id(seq), name=name, phone=phone, address=DEMO_ADDRESS
    )
    application = application_submit(
        person=person,
        channel=Application.Channel.COUNTER,
        basis=Application.Basis.RESIDENCE,
        region=Region.objects.get(code=REGION),
        commitment_accepted=True,
        received_by=caseworker,
        submitted_at=_at(on, 9),
        unemployment_reason="20",
    )
    return application_register(application=application, user=caseworker, decided_at=_at(on, 15))


def _unreachable_streak(registration: Registration, caseworker: User, today: date) -> None:
    case = case_for(registration)
    for month in _months_back(today, STREAK_MONTHS):
        for day, channel in ((8, Channel.PHONE), (20, Channel.VISIT)):
            data = ContactData(
                channel=channel,
                reached=False,
                not_reached_reason=NotReachedReason.SWITCHED_OFF
                if channel == Channel.PHONE
                else NotReachedReason.NOT_AT_HOME,
                at=_at(month + timedelta(days=day - 1)),
                note=STREAK_NOTE,
            )
            contact_record(case=case, user=caseworker, data=data)


def load_demo_exits() -> int:
    """Add the demo people and their exits that are missing; returns how many people were added."""
    caseworker = User.objects.filter(username="caseworker_jiefang", office__isnull=False).first()
    supervisor = User.objects.filter(username="supervisor_jiaozuo", office__isnull=False).first()
    if caseworker is None or supervisor is None:
        return 0
    today = timezone.localdate()
    registered_on = _months_back(today, STREAK_MONTHS + 2)[0] + timedelta(days=2)
    added = 0
    for seq, name, phone, what in PEOPLE:
        if Person.objects.filter(id_type="01", id_number=_citizen_id(seq)).exists():
            continue
        with transaction.atomic():
            registration = _register(caseworker, seq, name, phone, registered_on)
            if what == "32":
                _unreachable_streak(registration, caseworker, today)
                exit_propose(
                    registration=registration,
                    user=caseworker,
                    code="32",
                    deregistered_on=today,
                    further_checks="连续6个月电话关机、两次入户走访未遇，社区确认本人已长期外出，其他联系方式均无法联系",
                )
            elif what == "cancelled":
                exit = exit_propose(
                    registration=registration,
                    user=caseworker,
                    code="11",
                    deregistered_on=today - timedelta(days=3),
                )
                exit_cancel(
                    exit=exit, user=supervisor, reason="经核实录用单位未签订劳动合同，本人仍处于失业状态"
                )
            else:
                exit_propose(
                    registration=registration,
                    user=caseworker,
                    code=what,
                    deregistered_on=today - timedelta(days=seq % 7),
                )
        added += 1
    return added
