"""The data cleaning report (Henan 三 "清理无效登记"): active registrations of the user's region that may not count as
registered unemployed, each with the action to take in the system. Nothing here changes a registration: the
caseworker deregisters (with the code), merges or corrects through the stages' own pages.

Checks (``KINDS``):

- ``invalid_id``: a citizen ID number that fails GB 11643 (length, birth date, check character) → correct it.
- ``duplicate``: the same person under a 15- and an 18-digit number, or under two document types (same name, sex
  and birth date, or the other document's 社会保障号码 is this citizen number) → merge, deregister the copy (90).
- ``pension`` / ``deceased``: a comparison import says the person draws a basic pension or has died → deregister
  with 21 / 26. The records come from ``COMPARISON_PROVIDERS``: by default ``ComparisonRecord`` rows whose
  ``source`` is ``pension`` or ``death`` (stage 1's comparison table) and the open exit proposals 21 / 26 made by
  the deregistration stage's pension and death imports (``exit_proposal_records``).
- ``retirement_age``: past the statutory retirement age under the 2025 reform (``retirement.py``) → check whether
  a pension is drawn; never removed for the age alone (十 ends working age at drawing a pension).
- ``no_contact``: no reached contact by staff for 6 months or more → check the contact details; 32 only with six
  consecutive unreachable months (deregistration stage's rule).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from deregistration.models import ExitProposal
from deregistration.rules import CODE_DEATH, CODE_PENSION
from followup.models import ContactAttempt
from offices.models import User
from offices.scoping import scope_by_region
from registration.idnumbers import is_valid_citizen_id, mask_id, to_15_digits, to_18_digits
from registration.models import CITIZEN_ID, ComparisonRecord, Person, Registration

from .retirement import earliest_retirement_date

KINDS: dict[str, tuple[Promise, Promise]] = {
    "invalid_id": (_("证件号码无效"), _("核对证件后更正证件号码；无法核实的按“90 其他”注销")),
    "duplicate": (
        _("同一人重复登记"),
        _("合并为同一劳动者（保留18位居民身份证号码），重复的登记按“90 其他”注销并注明重复登记"),
    ),
    "pension": (_("比对显示已领取基本养老金"), _("核实后按“21 已依法享受基本养老保险待遇”注销")),
    "deceased": (_("比对显示已死亡"), _("核实后按“26 死亡”注销")),
    "retirement_age": (
        _("已超过法定退休年龄"),
        _("核实是否已领取基本养老金（只提示核查，不因年龄注销；女性按50周岁起的渐进式延迟退休年龄提示）"),
    ),
    "no_contact": (
        _("6个月以上未联系上"),
        _("核实联系方式并再次联系；连续6个月无法取得联系的，按“32”提出注销（主管审批）"),
    ),
}
NO_CONTACT_MONTHS = 6


@dataclass
class Finding:
    kind: str
    registration_id: int
    number: str
    name: str
    masked_id: str
    region: str
    registered_on: date
    detail: str

    @property
    def problem(self) -> str:
        return str(KINDS[self.kind][0])

    @property
    def action(self) -> str:
        return str(KINDS[self.kind][1])


# (id numbers) -> {id number: [(kind, detail)]}: what other departments' records say about these people.
ComparisonProvider = Callable[[set[str]], dict[str, list[tuple[str, str]]]]
PENSION_SOURCES = ("pension",)
DEATH_SOURCES = ("death",)


def comparison_records(ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Pension and death records among stage 1's comparison records (``source`` pension / death)."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    rows = ComparisonRecord.objects.filter(
        id_number__in=ids, source__in=PENSION_SOURCES + DEATH_SOURCES
    ).values_list("id_number", "source", "organisation", "start_date")
    for number, source, organisation, start in rows:
        kind = "pension" if source in PENSION_SOURCES else "deceased"
        found[number].append((kind, f"{organisation} {start:%Y-%m-%d}"))
    return found


def exit_proposal_records(ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Pension awards (21) and deaths (26) from the deregistration stage's comparison imports: the open exit
    proposals (``deregistration.models.ExitProposal``) of these people. A dismissed proposal was checked by a
    caseworker and does not count; a confirmed one ended the registration."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    rows = ExitProposal.objects.filter(
        registration__person__id_number__in=ids,
        code__in=(CODE_PENSION, CODE_DEATH),
        status=ExitProposal.Status.OPEN,
    ).values_list("registration__person__id_number", "code", "evidence", "event_on")
    for number, code, evidence, event_on in rows:
        kind = "pension" if code == CODE_PENSION else "deceased"
        found[number].append((kind, f"{evidence} {event_on:%Y-%m-%d}".strip()))
    return found


COMPARISON_PROVIDERS: list[ComparisonProvider] = [comparison_records, exit_proposal_records]


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


def findings(user: User, *, today: date | None = None, kinds: Iterable[str] = KINDS) -> list[Finding]:
    """Every finding for the active registrations of ``user``'s region, by kind then registration number."""
    today = today or timezone.localdate()
    kinds = set(kinds)
    active = scope_by_region(
        Registration.objects.filter(status=Registration.Status.ACTIVE), user
    ).values_list(
        "id",
        "number",
        "registered_on",
        "region__name",
        "person_id",
        "person__name",
        "person__id_type",
        "person__id_number",
        "person__sex",
        "person__birth_date",
    )
    out: list[Finding] = []
    rows = list(active.order_by("number"))
    by_number: dict[str, list[tuple]] = defaultdict(list)

    def add(kind: str, row: tuple, detail: str = "") -> None:
        out.append(Finding(kind, row[0], row[1], row[5], mask_id(row[7]), row[3], row[2], detail))

    for row in rows:
        _id, _number, _on, _region, _pid, _name, id_type, id_number, sex, born = row
        by_number[id_number].append(row)
        if "invalid_id" in kinds and id_type == CITIZEN_ID and not is_valid_citizen_id(id_number):
            add("invalid_id", row)
        if "retirement_age" in kinds:
            retires = earliest_retirement_date(sex, born)
            if retires <= today:
                add(
                    "retirement_age",
                    row,
                    str(_("法定退休日期（最早）%(day)s")) % {"day": retires.isoformat()},
                )
    if "duplicate" in kinds:
        out.extend(_duplicates(rows))
    if kinds & {"pension", "deceased"}:
        ids = set(by_number)
        for provider in COMPARISON_PROVIDERS:
            for number, hits in provider(ids).items():
                for kind, detail in hits:
                    if kind in kinds:
                        for row in by_number.get(number, []):
                            add(kind, row, detail)
    if "no_contact" in kinds:
        cutoff = _months_before(today, NO_CONTACT_MONTHS)
        since = timezone.make_aware(datetime.combine(cutoff, time.min))
        reached_since = ContactAttempt.objects.filter(case_id=OuterRef("pk"), reached=True, at__gte=since)
        stale = (
            scope_by_region(Registration.objects.filter(status=Registration.Status.ACTIVE), user)
            .filter(registered_on__lte=cutoff)
            .exclude(Exists(reached_since))
            .annotate(last=Max("followup_case__attempts__at"))
            .values_list("id", "last")
        )
        last_by_id = dict(stale)
        for row in rows:
            if row[0] in last_by_id:
                last = last_by_id[row[0]]
                detail = (
                    str(_("最近一次联系记录 %(day)s")) % {"day": timezone.localtime(last).date().isoformat()}
                    if last
                    else str(_("无联系记录"))
                )
                add("no_contact", row, detail)
    order = list(KINDS)
    out.sort(key=lambda f: (order.index(f.kind), f.number))
    return out


def _duplicates(rows: list[tuple]) -> list[Finding]:
    """Registrations whose person is also on file under another number or document (see the module doc)."""
    persons = {row[4]: row for row in rows}
    other_forms: dict[str, int] = {}
    for pid, row in persons.items():
        id_type, number = row[6], row[7]
        if id_type != CITIZEN_ID:
            continue
        if len(number) == 15:
            other_forms[to_18_digits(number)] = pid
        elif len(number) == 18:
            legacy = to_15_digits(number)
            if legacy:
                other_forms[legacy] = pid
    found: dict[int, str] = {}
    for other in Person.objects.filter(id_type=CITIZEN_ID, id_number__in=list(other_forms)).values(
        "id", "id_number"
    ):
        pid = other_forms[other["id_number"]]
        if other["id"] != pid:
            found[pid] = str(_("另有15位/18位号码的记录 %(masked)s")) % {
                "masked": mask_id(other["id_number"])
            }
    # Two document types: same name, sex and birth date under another type, or whose 社会保障号码 is this number.
    keyed = {(row[5], row[8], row[9]): pid for pid, row in persons.items()}
    names = {key[0] for key in keyed}
    candidates = Person.objects.filter(name__in=names).values_list(
        "id", "name", "sex", "birth_date", "id_type"
    )
    for cand_id, name, sex, born, cand_type in candidates:
        pid = keyed.get((name, sex, born))
        if pid is not None and cand_id != pid and cand_type != persons[pid][6]:
            found.setdefault(pid, str(_("另有其他证件类型的记录（%(type)s）")) % {"type": cand_type})
    citizen_numbers = {row[7]: pid for pid, row in persons.items() if row[6] == CITIZEN_ID}
    for ssn_id, ssn, ssn_type in (
        Person.objects.filter(social_security_number__in=list(citizen_numbers))
        .exclude(id_type=CITIZEN_ID)
        .values_list("id", "social_security_number", "id_type")
    ):
        pid = citizen_numbers[ssn]
        if ssn_id != pid:
            found.setdefault(pid, str(_("另有其他证件类型的记录（%(type)s）")) % {"type": ssn_type})
    return [
        Finding("duplicate", row[0], row[1], row[5], mask_id(row[7]), row[3], row[2], found[row[4]])
        for row in rows
        if row[4] in found
    ]
