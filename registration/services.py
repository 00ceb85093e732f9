"""The rules of stage 1 (申请 → 登记), notice (一)(二)(三)(五)(十). Every write of the stage goes through here.

- ``person_save``: one record per person (document type + number; a 15-digit citizen ID and its 18-digit form
  are one number, the 18-digit key); a citizen ID is validated (GB 11643) and birth date and sex must agree
  with it; names carry no spaces. Only an office that holds the person rewrites their record.
- ``application_submit``: any channel; the commitment (告知承诺) is recorded; nothing but the identity
  document is required (the five prohibitions); a person with an open application or an active registration
  cannot apply again; due in 3 working days; checked by information comparison at once.
- ``application_register`` / ``application_reject``: the decision, by a caseworker of the application's region,
  rejection only for a reason in ``RejectionReason`` (no forbidden reason exists); the applicant is notified.
- ``application_withdraw``: the applicant asked to withdraw a pending application; the reason is recorded and
  the applicant is notified.
- ``registration_hand_over``: a graduate handed over by the education department (notice 一, Henan 三) is
  registered as handed over on that date, with no application, decision or commitment; the person signs the
  commitment at the counter later (``registration_record_commitment``).
- ``registration_import_existing``: a registration made before the office adopted the system, with its original
  dates (Henan 三), active or ended with its AJC00A reason.
- ``application_verify_manually``, ``bundle_request_open`` / ``bundle_request_set_status``,
  ``person_reveal_id``, ``registration_end`` (called by the deregistration stage).
- ``registration_reopen``: an exit cancelled before its upload makes the registration active again (called by
  the deregistration stage), refused when the person has registered or applied again since.
- ``registration_transfer``: a supervisor moves an active registration to another office of the province, kept
  as a ``Transfer``; no exit is recorded.

The services here move a status only through ``common.transitions.transition``, along the model's
``STATUS_MOVES``: a conditional UPDATE on the row and its old status, so of two concurrent decisions exactly one
wins.

Messages are lazy (``_`` is ``gettext_lazy``): an error is shown in the language of whoever reads it. Texts to
applicants (SMS) are translated at once with ``gettext`` inside ``translation.override(SMS_LANGUAGE)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from codes.lookup import validate_code
from common.notifications import notification_queue
from common.numbering import next_number
from common.transitions import transition
from common.validators import invisible_character_errors
from offices.models import Office, Region, User
from offices.roles import Role
from offices.scoping import can_see_region
from offices.selectors import office_for_region
from workdays.calendar import CalendarNotLoaded, deadline_at

from .idnumbers import (
    birth_date_from_id,
    citizen_id_key,
    normalize_citizen_id,
    normalize_typed_number,
    sex_from_id,
    validate_citizen_id,
    validate_social_security_number,
)
from .models import (
    CITIZEN_ID,
    Application,
    BundleRequest,
    IdReveal,
    ImportBatch,
    Person,
    Registration,
    RejectionReason,
    Transfer,
    Verification,
)
from .selectors import person_by_document, person_visible_to
from .signals import registration_reopened, registration_transferred, registration_transferring
from .verification import run_comparison

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

DECISION_WORKDAYS = 3  # 三: 要在3个工作日内办结失业登记申请
FIRST_CONTACT_WORKDAYS = 5  # 三: 在办理失业登记后5个工作日内主动联系
MIN_WORKING_AGE = 16  # 十: 年满16周岁
SMS_LANGUAGE = "zh-hans"  # messages to applicants are in Chinese, whatever language the caseworker's UI uses

# Error texts (tests import them).
COMMITMENT_REQUIRED = _("请先由申请人签署告知承诺（告知承诺制）")
ALREADY_PENDING = _("该劳动者已有待办理的失业登记申请（%(number)s），不能重复申请")
ALREADY_REGISTERED = _("该劳动者已办理失业登记且仍有效（%(number)s），不能重复申请")
NOT_PENDING = _("该申请已办理（%(status)s），不能再次办理")
NO_OFFICE = _("所选登记地没有可受理的公共就业服务机构")
UNDER_WORKING_AGE = _("申请人未满16周岁，不属于劳动年龄内，不能登记；如需办理请选择“不予登记”并说明原因")
FORBIDDEN_REASON = _("不予登记原因必须从规定的列表中选择")
OUT_OF_SCOPE = _("该事项不在您的管辖区划内")
# Decisions need their evidence (DESIGN.md: a reason that states a fact needs its evidence on the application).
EMPLOYED_NEEDS_EVIDENCE = _("须先有依据：信息比对发现在职参保或经营记录，或已记录人工核查结果")
NOT_UNDER_AGE = _("申请人已满16周岁")
# AAE011 (经办人) of the ministry upload: whoever decides must have a handler name on record.
NO_HANDLER_NAME = _(
    "您的账号没有登记经办人姓名（上报部级平台的经办人 AAE011），不能办理；请联系系统管理员在“工作人员”中填写"
)
REASON_NEEDS_NOTE = _("请在说明中写明如何得知（核实的途径、时间和结果）")
# Reasons stating a fact that the caseworker learnt elsewhere: the note says how.
REASONS_NEEDING_A_NOTE = (RejectionReason.DRAWING_PENSION, RejectionReason.ALREADY_REGISTERED)
WITHDRAW_REASON_REQUIRED = _("请填写撤回原因（申请人本人要求撤回的情况）")
WITHDRAW_REASON_TOO_LONG = _("撤回原因最多 %(limit)d 个字符")
BUNDLE_FINAL = _("该事项已是最终状态（%(status)s），不能再更改")
BUNDLE_MOVE_NOT_ALLOWED = _("该事项当前为“%(old)s”，不能改为“%(new)s”")
BUNDLE_CHANGED = _("该事项已被他人更新为“%(status)s”，请刷新页面后再试")
DECISION_NOTE_MAX_LENGTH = 500  # Application.decision_note


class DuplicateApplication(ValidationError):
    """The person already has an open application or an active registration (``existing`` is it)."""

    def __init__(self, message: str, existing: Application | Registration):
        super().__init__(message, code="duplicate")
        self.existing = existing


@dataclass(frozen=True)
class PersonData:
    """What an application says about the person. Only the identity document and name are required."""

    id_type: str
    id_number: str
    name: str
    sex: str = ""
    birth_date: date | None = None
    ethnicity: str = ""
    education: str = ""
    household_type: str = ""
    hukou_region: Region | None = None
    residence_region: Region | None = None
    address: str = ""
    phone: str = ""
    # AAC002 of a person whose document is not a citizen ID (for a citizen it is the ID number: ignored here).
    social_security_number: str = ""


def _typed_id_number(data: PersonData) -> str:
    """The document number as given, normalised only as every comparison does (spaces, upper case)."""
    return data.id_number.strip().upper()


def _check_person(data: PersonData) -> PersonData:
    """Validate and complete the person's data; raises ValidationError keyed by field.

    A citizen ID comes back as its identity key: a valid 15-digit number in its 18-digit form (GB 11643).
    """
    errors: dict[str, list[StrOrPromise]] = {}
    # Document numbers are compared upper-case everywhere (a passport typed in lower case is the same one).
    id_number = _typed_id_number(data)
    sex, birth = data.sex, data.birth_date
    try:
        validate_code("AAC058", data.id_type)
    except ValidationError as exc:
        errors["id_type"] = list(exc.messages)
    if data.id_type == CITIZEN_ID:
        id_number = normalize_citizen_id(id_number)
        try:
            validate_citizen_id(id_number)
        except ValidationError as exc:
            errors["id_number"] = list(exc.messages)
        else:
            id_sex, id_birth = sex_from_id(id_number), birth_date_from_id(id_number)
            if sex and sex != id_sex:
                errors["sex"] = [_("性别与公民身份号码不符")]
            if birth and birth != id_birth:
                errors["birth_date"] = [_("出生日期与公民身份号码不符")]
            sex, birth = id_sex, id_birth
            id_number = citizen_id_key(id_number)  # one person, one identity: the 18-digit form
    elif not id_number:
        errors["id_number"] = [_("请填写证件号码")]
    # Sex and birth date of a citizen come from the number: an invalid number has its own error, nothing else.
    if data.id_type != CITIZEN_ID:
        if not sex:
            errors.setdefault("sex", [_("请选择性别")])
        if birth is None:
            errors.setdefault("birth_date", [_("请填写出生日期")])
        elif birth > timezone.localdate():
            errors.setdefault("birth_date", [_("出生日期不能晚于今天")])
    ssn = "" if data.id_type == CITIZEN_ID else normalize_typed_number(data.social_security_number)
    try:
        validate_social_security_number(ssn, sex=sex)
    except ValidationError as exc:
        errors["social_security_number"] = list(exc.messages)
    name = data.name.strip()
    if not name:
        errors["name"] = [_("请填写姓名")]
    elif any(ch.isspace() or ch == "\u3000" for ch in name):
        errors["name"] = [_("姓名不能含有半角或全角空格")]
    # Zero-width, text-direction and other invisible characters, whoever writes (counter, online, imports).
    for key, messages in invisible_character_errors(name=name, address=data.address).items():
        errors.setdefault(key, []).extend(messages)
    for field, table in (("ethnicity", "AAC005"), ("education", "AAC011"), ("household_type", "AAC009")):
        value = getattr(data, field)
        if value:
            try:
                validate_code(table, value)
            except ValidationError as exc:
                errors[field] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return PersonData(
        **{
            **data.__dict__,
            "id_number": id_number,
            "name": name,
            "sex": sex,
            "birth_date": birth,
            "social_security_number": ssn,
        }
    )


NAME_MISMATCH = _("姓名与该证件号码已登记的姓名不符，请核对；如姓名已变更，请到窗口办理")
NAME_MISMATCH_RECORDED_ELSEWHERE = _(
    "姓名与该证件号码在其他地区登记的姓名不符，请核对；如姓名已变更，请由原登记地的经办机构更正"
)


def person_holds(user: User | None, person: Person) -> bool:
    """Whether ``user``'s office holds ``person``: the person's record is managed within the user's scope
    (``Person.region``). Only then may an application taken by the user change what is recorded."""
    return user is not None and can_see_region(user, person.region)


def person_save(*, data: PersonData, region: Region, by: User | None = None) -> Person:
    """Create the person or update what an application says about them; returns the saved Person.

    ``by`` is the staff user taking the application (the caseworker at the counter, the ops user importing a
    list); None when nobody identified the applicant (online) or for a system channel. A person may apply in
    any region (notice 一), but only an office that *holds* the person rewrites their record:

    - new document: the person is created, managed by ``region`` (the region applied to).
    - known document, ``by``'s office holds the person (``person_holds``: the person's ``region`` lies in the
      user's scope): as the application says: its name, and its optional details where given (blanks keep
      what is on file); the person is then managed by ``region``.
    - known document, anyone else (a caseworker or ops user of another county, city or province, an online
      applicant, a system channel): the name given must be the recorded one (``NAME_MISMATCH`` online,
      ``NAME_MISMATCH_RECORDED_ELSEWHERE`` for staff, keyed to ``name``), nothing recorded is changed and the
      person stays managed where they are. The office taking the application still sees the person through
      it (``selectors.people_in_scope``); it takes over the record when it registers them
      (``application_register``).

    So knowing someone's ID number is not enough to change their phone or address, or to move them away from
    the office that keeps their history. The social-security number (AAC002) of a citizen is the ID number.
    """
    data = _check_person(data)
    existing = (
        Person.objects.select_related("region").filter(id_type=data.id_type, id_number=data.id_number).first()
    )
    if existing is not None and not person_holds(by, existing):
        if existing.name != data.name:
            raise ValidationError(
                {"name": [NAME_MISMATCH if by is None else NAME_MISMATCH_RECORDED_ELSEWHERE]}
            )
        return existing
    fields: dict[str, Any] = {
        "name": data.name,
        "sex": data.sex,
        "birth_date": data.birth_date,
        "region": region,
    }
    if existing is not None and existing.region_id != region.pk:
        fields["applied_elsewhere"] = True  # their earlier applications are elsewhere now
    if data.id_type == CITIZEN_ID:
        fields["social_security_number"] = data.id_number
    elif data.social_security_number:  # another document: blank keeps what is on file
        fields["social_security_number"] = data.social_security_number
    # Optional details: what this application leaves blank keeps what is on file (an import or a short online
    # form must not wipe the address a caseworker recorded).
    for name in (
        "ethnicity",
        "education",
        "household_type",
        "hukou_region",
        "residence_region",
        "address",
        "phone",
    ):
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if value:
            fields[name] = value
    person, _created = Person.objects.update_or_create(
        id_type=data.id_type, id_number=data.id_number, defaults=fields
    )
    return person


def existing_case(person: Person) -> Application | Registration | None:
    """The open application or active registration that stops ``person`` from applying again, if any."""
    registration = person.registrations.filter(status=Registration.Status.ACTIVE).first()
    if registration:
        return registration
    return person.applications.filter(status=Application.Status.PENDING).first()


def duplicate_of(person: Person) -> DuplicateApplication | None:
    """The error to give when ``person`` applies again while a case is open (None if they may apply)."""
    existing = existing_case(person)
    if isinstance(existing, Registration):
        return DuplicateApplication(ALREADY_REGISTERED % {"number": existing.number}, existing)
    if isinstance(existing, Application):
        return DuplicateApplication(ALREADY_PENDING % {"number": existing.number}, existing)
    return None


def _refuse_duplicate(person: Person) -> None:
    if (error := duplicate_of(person)) is not None:
        raise error


@transaction.atomic
def application_submit(
    *,
    person: PersonData,
    channel: str,
    basis: str,
    region: Region,
    commitment_accepted: bool,
    received_by: User | None = None,
    submitted_at: datetime | None = None,
    national_application_number: str | None = None,
    unemployment_reason: str = "",
    is_graduate: bool = False,
    graduate_school: str = "",
    graduation_date: date | None = None,
    draws_unemployment_subsidy: bool = False,
    migrant_allowance: str = "",
    difficulty_category: str = "",
    import_batch=None,
) -> Application:
    """Take an application from any channel; returns it, pending, with its number and due time.

    Raises ValidationError (keyed by field) for bad input, DuplicateApplication if the person already has an
    open application or an active registration. ``received_by`` is the caseworker at the counter or the ops user
    importing (None online); whether the application may change the person's record is ``person_save``'s rule.
    The application keeps the document number as typed (``id_number_as_typed``: a 15-digit number stays 15
    digits there), the person is found by its identity key.
    """
    if not commitment_accepted:
        raise ValidationError({"commitment_accepted": [COMMITMENT_REQUIRED]})
    if basis not in Application.Basis.values:
        raise ValidationError({"basis": [_("请选择登记地类型（户籍地、常住地、就业地或参保地）")]})
    if received_by is not None and not can_see_region(received_by, region):
        raise ValidationError({"region": [OUT_OF_SCOPE]})
    office: Office | None = office_for_region(region)
    if office is None:
        raise ValidationError({"region": [NO_OFFICE]})
    for field, table, value in (
        ("unemployment_reason", "AJC093", unemployment_reason),
        ("difficulty_category", "ADC310", difficulty_category),
    ):
        if value:
            try:
                validate_code(table, value)
            except ValidationError as exc:
                raise ValidationError({field: exc.messages}) from None
    saved = person_save(data=person, region=region, by=received_by)
    # Serialise concurrent applications of one person (two counters, counter + online): lock the row.
    saved = Person.objects.select_for_update().get(pk=saved.pk)
    _refuse_duplicate(saved)
    now = submitted_at or timezone.now()
    try:
        due_at = deadline_at(now, DECISION_WORKDAYS)
    except CalendarNotLoaded as exc:
        raise ValidationError(str(exc), code="calendar") from exc
    application = Application(
        number=next_number("SQ", "registration_application_number_seq"),
        person=saved,
        id_number_as_typed=_typed_id_number(person),
        channel=channel,
        national_application_number=national_application_number or None,
        basis=basis,
        region=region,
        office=office,
        submitted_at=now,
        due_at=due_at,
        received_by=received_by,
        commitment_at=now,
        commitment_recorded_by=received_by,
        unemployment_reason=unemployment_reason,
        is_graduate=is_graduate,
        graduate_school=graduate_school,
        graduation_date=graduation_date,
        draws_unemployment_subsidy=draws_unemployment_subsidy,
        migrant_allowance=migrant_allowance,
        difficulty_category=difficulty_category,
        import_batch=import_batch,
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:  # a concurrent submit won the race on the one-open-application constraint
        _refuse_duplicate(saved)
        raise
    if saved.region_id != region.pk and not saved.applied_elsewhere:
        # Seen by the office applied to through this application (selectors.people_in_scope).
        Person.objects.filter(pk=saved.pk).update(applied_elsewhere=True)
    run_comparison(application)
    return application


def require_handler_name(user: User) -> None:
    """A decision is recorded and uploaded with the handler's registered name (AAE011): refuse without one."""
    if not (user.handler_name or "").strip():
        raise ValidationError(NO_HANDLER_NAME, code="no_handler_name")


def _claim_pending(
    application: Application, user: User, to: str, *, at: datetime | None = None, **changes
) -> Application:
    """Decide a pending application (pending → ``to``), exactly once, recording who and when (``at``, default
    now); returns it fresh.

    Raises PermissionDenied outside the user's region, ValidationError (code ``not_pending``) if it is no longer
    pending, whoever decided it first.
    """
    if not can_see_region(user, application.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    require_handler_name(user)
    won = transition(
        Application,
        application.pk,
        from_=Application.Status.PENDING,
        to=to,
        allowed=Application.STATUS_MOVES,
        decided_at=at or timezone.now(),
        decided_by=user,
        **changes,
    )
    application.refresh_from_db()
    if not won:
        raise ValidationError(NOT_PENDING % {"status": application.get_status_display()}, code="not_pending")
    return application


def rejection_blockers(application: Application) -> dict[str, StrOrPromise]:
    """The reasons of the closed list that cannot be chosen for ``application`` now, with what is missing.

    "Employed per comparison or check" needs a comparison that found employment or a recorded manual check;
    "outside working age" needs an applicant under 16. (Reasons needing only a note are not blocked here:
    ``application_reject`` asks for the note.)
    """
    blockers: dict[str, StrOrPromise] = {}
    evidence = application.verifications.filter(
        Q(method=Verification.Method.COMPARISON, outcome=Verification.Outcome.EMPLOYMENT_FOUND)
        | Q(method=Verification.Method.MANUAL)
    )
    if not evidence.exists():
        blockers[RejectionReason.EMPLOYED] = EMPLOYED_NEEDS_EVIDENCE
    if _age_on(application.person.birth_date, timezone.localdate()) >= MIN_WORKING_AGE:
        blockers[RejectionReason.OUT_OF_WORKING_AGE] = NOT_UNDER_AGE
    return blockers


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


UNDER_WORKING_AGE_WARNING = _(
    "申请人未满16周岁（按出生日期，现年%(age)d岁），不属于劳动年龄内，登记申请将不予登记；请当面告知申请人"
)
UNDER_WORKING_AGE_NOTICE = _(
    "您现年%(age)d岁（按证件号码或所填出生日期），未满16周岁，不属于劳动年龄内，失业登记申请将不予登记。"
    "年满16周岁后可再次申请。"
)


def working_age_warning(
    birth_date: date | None, *, on: date | None = None, applicant: bool = False
) -> str | None:
    """What to say at intake when the applicant is under 16 on ``on`` (default today): the application may
    still be made, but ``application_register`` refuses it (``UNDER_WORKING_AGE``) and the caseworker decides
    "不在劳动年龄内". The same age rule as the decision (``_age_on`` and ``MIN_WORKING_AGE``), so the two never
    disagree. The caseworker's words by default, the applicant's own (online) with ``applicant=True``; None for
    an applicant of working age or without a birth date."""
    if birth_date is None:
        return None
    age = _age_on(birth_date, on or timezone.localdate())
    if age >= MIN_WORKING_AGE:
        return None
    message = UNDER_WORKING_AGE_NOTICE if applicant else UNDER_WORKING_AGE_WARNING
    return str(message % {"age": max(age, 0)})


@transaction.atomic
def application_register(
    *, application: Application, user: User, note: str = "", decided_at: datetime | None = None
) -> Registration:
    """Register the applicant as unemployed; returns the new Registration (first contact due in 5 working days).

    Refuses if the applicant is under 16 (十: 劳动年龄), or the application is no longer pending. The registering
    office takes over the person's record (``Person.region`` becomes the registration's region): it contacts and
    follows them up from now on; offices that held earlier cases still see the person through them. The
    registration (source ``decided``) carries the application's channel, categories (notice 一) and commitment,
    so that statistics read registrations alone.

    ``decided_at`` records a decision made earlier (demo data and loaders; no page offers it): the registration
    date and the first-contact deadline follow from it. It may not be in the future nor before the submission.
    """
    now = timezone.now()
    if decided_at is not None and not (application.submitted_at <= decided_at <= now):
        raise ValueError("decided_at must lie between the submission and now")
    at = decided_at or now
    today = timezone.localdate(at)
    if _age_on(application.person.birth_date, today) < MIN_WORKING_AGE:
        raise ValidationError(UNDER_WORKING_AGE, code="under_age")
    active = application.person.registrations.filter(status=Registration.Status.ACTIVE).first()
    if active:
        raise ValidationError(ALREADY_REGISTERED % {"number": active.number}, code="duplicate")
    try:
        first_contact_due_at = deadline_at(today, FIRST_CONTACT_WORKDAYS)
    except CalendarNotLoaded as exc:
        raise ValidationError(str(exc), code="calendar") from exc
    application = _claim_pending(
        application,
        user,
        Application.Status.REGISTERED,
        at=decided_at,
        decision_note=note.strip()[:DECISION_NOTE_MAX_LENGTH],
    )
    registration = Registration.objects.create(
        number=next_number("DJ", "registration_registration_number_seq"),
        person=application.person,
        source=Registration.Source.DECIDED,
        application=application,
        channel=application.channel,
        office=application.office,
        region=application.region,
        registered_on=today,
        registered_by=user,
        commitment_at=application.commitment_at,
        commitment_recorded_by=application.commitment_recorded_by,
        first_contact_due_at=first_contact_due_at,
        **_categories_of(application),
    )
    person = application.person
    if person.region_id != application.region_id:
        person.region, person.applied_elsewhere = application.region, True
        person.save(update_fields=["region", "applied_elsewhere", "updated_at"])
    with translation.override(SMS_LANGUAGE):
        text = gettext(
            "【失业登记】%(name)s，您的失业登记申请（%(number)s）已办理，登记编号%(reg)s。"
            "%(office)s将在5个工作日内与您联系，提供就业服务和政策介绍。"
        ) % {
            "name": application.person.name,
            "number": application.number,
            "reg": registration.number,
            "office": application.office.name,
        }
    notification_queue(phone=application.person.phone, text=text, ref=f"application:{application.number}")
    return registration


CATEGORY_FIELDS = (
    "is_graduate",
    "graduate_school",
    "graduation_date",
    "draws_unemployment_subsidy",
    "migrant_allowance",
    "difficulty_category",
)


def _categories_of(application: Application) -> dict[str, Any]:
    """The categories of notice 一 as the application records them, for its registration."""
    return {name: getattr(application, name) for name in CATEGORY_FIELDS}


@transaction.atomic
def application_reject(*, application: Application, user: User, reason: str, note: str = "") -> Application:
    """Refuse the application for a reason of the closed list; returns it. The applicant is told why.

    A reason stating a fact needs its evidence: "employed" a comparison hit or a recorded manual check, "under
    16" an applicant under 16 (``rejection_blockers``); "drawing a pension" and "registered elsewhere" a note
    saying how it was found out (REASON_NEEDS_NOTE).

    Any other reason, in particular the ones the notice forbids (missing materials, not insured, not eligible
    for benefits), is refused with FORBIDDEN_REASON.
    """
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": [FORBIDDEN_REASON]})
    if (missing := rejection_blockers(application).get(reason)) is not None:
        raise ValidationError({"reason": [missing]}, code="no_evidence")
    if reason in REASONS_NEEDING_A_NOTE and not note.strip():
        raise ValidationError({"note": [REASON_NEEDS_NOTE]}, code="no_evidence")
    application = _claim_pending(
        application,
        user,
        Application.Status.REJECTED,
        rejection_reason=reason,
        decision_note=note.strip()[:DECISION_NOTE_MAX_LENGTH],
    )
    with translation.override(SMS_LANGUAGE):
        text = gettext(
            "【失业登记】%(name)s，您的失业登记申请（%(number)s）未予登记。原因：%(reason)s。%(explain)s"
        ) % {
            "name": application.person.name,
            "number": application.number,
            "reason": application.get_rejection_reason_display(),
            "explain": application.rejection_explanation,
        }
    notification_queue(phone=application.person.phone, text=text, ref=f"application:{application.number}")
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user: User, reason: str) -> Application:
    """Withdraw a pending application at the applicant's own request (撤回); returns it, WITHDRAWN.

    Only the applicant can ask for it, in person or by phone: the caseworker who records it gives the reason
    (required, at most 500 characters), kept as the decision note with who and when (``decided_by`` /
    ``decided_at``) like the other decisions. The applicant is told by SMS and may apply again at any time.
    Raises PermissionDenied outside the user's region, ValidationError if the reason is missing or too long or
    the application is no longer pending.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [WITHDRAW_REASON_REQUIRED]})
    if len(reason) > DECISION_NOTE_MAX_LENGTH:
        raise ValidationError({"reason": [WITHDRAW_REASON_TOO_LONG % {"limit": DECISION_NOTE_MAX_LENGTH}]})
    application = _claim_pending(application, user, Application.Status.WITHDRAWN, decision_note=reason)
    with translation.override(SMS_LANGUAGE):
        text = gettext(
            "【失业登记】%(name)s，您的失业登记申请（%(number)s）已按您本人要求撤回。"
            "如需办理失业登记，可随时重新申请。"
        ) % {"name": application.person.name, "number": application.number}
    notification_queue(phone=application.person.phone, text=text, ref=f"application:{application.number}")
    return application


@transaction.atomic
def application_verify_manually(
    *, application: Application, user: User, outcome: str, detail: str
) -> Verification:
    """Record the caseworker's manual check (人工核查) of an application; returns the Verification."""
    if not can_see_region(user, application.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    if outcome not in (Verification.Outcome.CONFIRMED, Verification.Outcome.DISCREPANCY):
        raise ValidationError({"outcome": [_("请选择人工核查结果")]})
    if not detail.strip():
        raise ValidationError({"detail": [_("请说明核查了什么、如何核查")]})
    return Verification.objects.create(
        application=application,
        method=Verification.Method.MANUAL,
        outcome=outcome,
        detail=detail.strip()[:500],
        performed_at=timezone.now(),
        performed_by=user,
    )


@transaction.atomic
def bundle_request_open(
    *, registration: Registration, kind: str, user: User, note: str = ""
) -> BundleRequest:
    """Open a linked request of the "一件事" bundle (五); returns it. One per kind per registration."""
    if not can_see_region(user, registration.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    if kind not in BundleRequest.Kind.values:
        raise ValidationError({"kind": [_("请选择关联事项")]})
    if registration.bundle_requests.filter(kind=kind).exists():
        raise ValidationError({"kind": [_("该事项已发起")]})
    return BundleRequest.objects.create(
        registration=registration, kind=kind, opened_by=user, note=note.strip()[:300]
    )


@transaction.atomic
def bundle_request_set_status(
    *, request: BundleRequest, user: User, status: str, note: str = ""
) -> BundleRequest:
    """Move a linked request along ``BundleRequest.STATUS_MOVES``, with a new note if given; returns it fresh.

    Forward only: 已发起 → 办理中 / 已办结 / 未通过 / 本人撤回, 办理中 → 已办结 / 未通过 / 本人撤回; the last
    three are final. Choosing the status it already has (an open one) changes only the note. A move the map does
    not allow, a final request, or a request someone else moved meanwhile is refused with a ValidationError
    keyed to ``status``.
    """
    if not can_see_region(user, request.registration.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    if status not in BundleRequest.Status.values:
        raise ValidationError({"status": [_("请选择状态")]})
    note = note.strip()[:300]
    current = request.status
    if current in BundleRequest.TERMINAL_STATES:
        raise ValidationError({"status": [BUNDLE_FINAL % {"status": request.get_status_display()}]})
    if status == current:
        if note:
            request.note = note
            request.save(update_fields=["note", "updated_at"])
        return request
    if not BundleRequest.STATUS_MOVES.allowed(current, status):
        labels = {"old": request.get_status_display(), "new": BundleRequest.Status(status).label}
        raise ValidationError({"status": [BUNDLE_MOVE_NOT_ALLOWED % labels]})
    won = transition(
        BundleRequest,
        request.pk,
        from_=current,
        to=status,
        allowed=BundleRequest.STATUS_MOVES,
        **({"note": note} if note else {}),
    )
    request.refresh_from_db()
    if not won:
        raise ValidationError({"status": [BUNDLE_CHANGED % {"status": request.get_status_display()}]})
    return request


@transaction.atomic
def person_reveal_id(*, person: Person, user: User, context: str) -> str:
    """The full ID number, for a user allowed to see it; each reveal is recorded (IdReveal) with where it was
    shown (``IdReveal.Context``). Callers show it in that one response only: never store it (session, cache,
    URL, log)."""
    if not user.has_perm("registration.reveal_id_number") or not person_visible_to(user, person):
        raise PermissionDenied(_("您没有查看完整证件号码的权限"))
    IdReveal.objects.create(person=person, user=user, context=IdReveal.Context(context))
    return person.id_number


@transaction.atomic
def registration_end(*, registration: Registration, ended_on: date) -> Registration:
    """Mark a registration ended (called by the deregistration stage). Exactly once: returns it, or raises."""
    won = transition(
        Registration,
        registration.pk,
        from_=Registration.Status.ACTIVE,
        to=Registration.Status.ENDED,
        allowed=Registration.STATUS_MOVES,
        ended_on=ended_on,
    )
    if not won:
        raise ValidationError(_("该失业登记已注销"), code="not_active")
    registration.refresh_from_db()
    return registration


# ---- registrations not decided here: handed over by the education department, imported (notice 一, Henan 三) ----

REGISTERED_IN_FUTURE = _("登记日期不能晚于今天")
HANDED_OVER_IN_FUTURE = _("移交日期不能晚于今天")
ENDED_NEEDS_DATE = _("状态为“已注销”时请填写注销日期")
ENDED_NEEDS_REASON = _("状态为“已注销”时请填写注销原因代码（AJC00A）")
ENDED_IN_FUTURE = _("注销日期不能晚于今天")
ENDED_BEFORE_REGISTERED = _("注销日期不能早于登记日期")
ACTIVE_WITH_END = _("状态为“有效”的登记不能填写注销日期或注销原因")
UNDER_WORKING_AGE_ON = _("登记日期时未满16周岁，不属于劳动年龄内（十），不能登记")
SKIP_ACTIVE_REGISTRATION = _("已有有效的失业登记 %(number)s")
SKIP_PENDING_APPLICATION = _("已有待办申请 %(number)s，请在申请中办理")
SKIP_ALREADY_RECORDED = _("该登记已在系统中（%(number)s），未重复新增")
COMMITMENT_ALREADY_RECORDED = _("该失业登记已记录告知承诺（%(at)s）")
COMMITMENT_NOT_ACTIVE = _("该失业登记已注销，不能记录告知承诺")


class RegistrationSkipped(ValidationError):
    """The row describes someone already covered: an active registration or a pending application of theirs, or
    this very registration recorded before (``existing`` is it). Imports count and list it as skipped."""

    def __init__(self, message: str, existing: Application | Registration):
        super().__init__(message, code="skipped")
        self.existing = existing


@transaction.atomic
def registration_hand_over(
    *,
    person: PersonData,
    region: Region,
    handed_over_on: date,
    recorded_by: User,
    import_batch: ImportBatch,
    graduate_school: str = "",
    graduation_date: date | None = None,
) -> Registration:
    """Record a graduate handed over by the education department (notice 一: 离校未就业高校毕业生; Henan 三:
    counted as registered unemployed); returns the registration, source ``handed_over``.

    What happened is recorded and nothing else: handed over on ``handed_over_on`` (the registration date), in
    the graduate category, entered by ``recorded_by`` (the ops user who uploaded the list) from
    ``import_batch``. There is no application, no deciding caseworker and no commitment: a graduate who comes to
    the counter signs it then (``registration_record_commitment``). First contact is due within 5 working days
    of the hand-over, like any registration (三).

    Raises ValidationError keyed by field for bad input or a region outside ``recorded_by``'s scope (``code``
    "calendar" when the working-day calendar does not reach the deadline), RegistrationSkipped when the person
    already has an active registration or a pending application (the application is decided as usual), or was
    handed over on that date before.
    """
    if handed_over_on > timezone.localdate():
        raise ValidationError({"handed_over_on": [HANDED_OVER_IN_FUTURE]})
    return _record_registration(
        person=person,
        source=Registration.Source.HANDED_OVER,
        region=region,
        registered_on=handed_over_on,
        recorded_by=recorded_by,
        import_batch=import_batch,
        date_field="handed_over_on",
        fields={
            "channel": Application.Channel.EDUCATION,
            "handed_over_on": handed_over_on,
            "is_graduate": True,
            "graduate_school": graduate_school,
            "graduation_date": graduation_date,
        },
    )


@transaction.atomic
def registration_import_existing(
    *,
    person: PersonData,
    region: Region,
    registered_on: date,
    recorded_by: User,
    import_batch: ImportBatch,
    channel: str = "",
    is_graduate: bool = False,
    draws_unemployment_subsidy: bool = False,
    migrant_allowance: str = "",
    status: str = Registration.Status.ACTIVE,
    ended_on: date | None = None,
    ended_reason: str = "",
) -> Registration:
    """Bring in a registration made before the office adopted the system (Henan 三: upload the registrations
    made since 3/31 and the people drawing benefits); returns it, source ``imported``, with its original dates.

    ``registered_on`` is the original registration date (not in the future; the person 16 or older on it). An
    ended one has its exit date (not before the registration date, not in the future) and its AJC00A reason; an
    active one neither. Entered by ``recorded_by`` from ``import_batch``; no application, decision or commitment
    is claimed. First contact was due 5 working days after the original date (三).

    Importing again creates nothing twice: a registration of the same person, region and date already on file
    raises RegistrationSkipped, as does an active one when the person already has an active registration or a
    pending application. An ended one is history and may sit beside them.
    """
    errors: dict[str, list[StrOrPromise]] = {}
    today = timezone.localdate()
    if registered_on > today:
        errors["registered_on"] = [REGISTERED_IN_FUTURE]
    if status == Registration.Status.ENDED:
        if ended_on is None:
            errors["ended_on"] = [ENDED_NEEDS_DATE]
        elif ended_on > today:
            errors["ended_on"] = [ENDED_IN_FUTURE]
        elif ended_on < registered_on:
            errors["ended_on"] = [ENDED_BEFORE_REGISTERED]
        if not ended_reason:
            errors["ended_reason"] = [ENDED_NEEDS_REASON]
        else:
            try:
                validate_code("AJC00A", ended_reason)
            except ValidationError as exc:
                errors["ended_reason"] = list(exc.messages)
    elif status == Registration.Status.ACTIVE:
        if ended_on is not None or ended_reason:
            errors["status"] = [ACTIVE_WITH_END]
    else:
        errors["status"] = [_("状态应为“有效”或“已注销”")]
    if channel and channel not in Application.Channel.values:
        errors["channel"] = [_("登记渠道应为窗口受理、网上申请、全国平台转办或教育部门移交")]
    if migrant_allowance not in Application.MigrantAllowance.values:
        errors["migrant_allowance"] = [_("失业农民工生活补助应为一次性生活补助或临时生活补助")]
    if errors:
        raise ValidationError(errors)
    ended = status == Registration.Status.ENDED
    return _record_registration(
        person=person,
        source=Registration.Source.IMPORTED,
        region=region,
        registered_on=registered_on,
        recorded_by=recorded_by,
        import_batch=import_batch,
        date_field="registered_on",
        fields={
            "channel": channel,
            "is_graduate": is_graduate,
            "draws_unemployment_subsidy": draws_unemployment_subsidy,
            "migrant_allowance": migrant_allowance,
            "status": status,
            "ended_on": ended_on if ended else None,
            "ended_reason": ended_reason if ended else "",
        },
    )


def _record_registration(
    *,
    person: PersonData,
    source: str,
    region: Region,
    registered_on: date,
    recorded_by: User,
    import_batch: ImportBatch,
    date_field: str,
    fields: dict[str, Any],
) -> Registration:
    """What a handed-over and an imported registration share: the region in the recorder's scope, the person
    saved by ``person_save``'s rule, working age on the registration date, nothing recorded twice, the
    first-contact deadline from the registration date, and the person managed where they are registered."""
    if not can_see_region(recorded_by, region):
        raise ValidationError({"region": [OUT_OF_SCOPE]})
    office: Office | None = office_for_region(region)
    if office is None:
        raise ValidationError({"region": [NO_OFFICE]})
    active = fields.get("status", Registration.Status.ACTIVE) == Registration.Status.ACTIVE
    known = person_by_document(person.id_type, person.id_number)
    # An ended registration is history: it does not move the person away from the office that manages them.
    managed_in = region if active or known is None else known.region
    saved = person_save(data=person, region=managed_in, by=recorded_by)
    if _age_on(saved.birth_date, registered_on) < MIN_WORKING_AGE:
        raise ValidationError({date_field: [UNDER_WORKING_AGE_ON]}, code="under_age")
    # Serialise with the counter and with other imports of the same person: lock the row.
    saved = Person.objects.select_for_update().get(pk=saved.pk)
    _refuse_recorded(saved, region, registered_on, active=active)
    try:
        first_contact_due_at = deadline_at(registered_on, FIRST_CONTACT_WORKDAYS)
    except CalendarNotLoaded as exc:
        raise ValidationError(str(exc), code="calendar") from exc
    registration = Registration(
        number=next_number("DJ", "registration_registration_number_seq"),
        person=saved,
        source=source,
        office=office,
        region=region,
        registered_on=registered_on,
        recorded_by=recorded_by,
        import_batch=import_batch,
        first_contact_due_at=first_contact_due_at,
        **fields,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # a concurrent import or decision won the race on a uniqueness constraint
        _refuse_recorded(saved, region, registered_on, active=active)
        raise
    if saved.region_id != region.pk:
        # An active registration moves the person to the office that now serves them (as application_register
        # does); an ended one only makes them visible there (selectors.people_in_scope).
        if active:
            saved.region = region
        saved.applied_elsewhere = True
        saved.save(update_fields=["region", "applied_elsewhere", "updated_at"])
    return registration


def _refuse_recorded(person: Person, region: Region, registered_on: date, *, active: bool) -> None:
    """RegistrationSkipped if (for an ``active`` one) the person has an active registration or a pending
    application, or this registration is on file already (same person, region and date)."""
    if active:
        registration = person.registrations.filter(status=Registration.Status.ACTIVE).first()
        if registration is not None:
            raise RegistrationSkipped(
                SKIP_ACTIVE_REGISTRATION % {"number": registration.number}, registration
            )
        application = person.applications.filter(status=Application.Status.PENDING).first()
        if application is not None:
            raise RegistrationSkipped(SKIP_PENDING_APPLICATION % {"number": application.number}, application)
    same = person.registrations.filter(region=region, registered_on=registered_on).first()
    if same is not None:
        raise RegistrationSkipped(SKIP_ALREADY_RECORDED % {"number": same.number}, same)


@transaction.atomic
def registration_record_commitment(*, registration: Registration, user: User) -> Registration:
    """Record that the person signed the commitment (告知承诺, notice 二) in front of ``user``, on a registration
    that has none (handed over by the education department, imported); returns it fresh.

    Once: a registration whose commitment is on file (every decided one has its application's) is refused, as is
    an ended one. PermissionDenied outside the user's region.
    """
    if not can_see_region(user, registration.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    won = Registration.objects.filter(
        pk=registration.pk, commitment_at__isnull=True, status=Registration.Status.ACTIVE
    ).update(commitment_at=timezone.now(), commitment_recorded_by=user, updated_at=timezone.now())
    registration.refresh_from_db()
    if not won:
        if registration.commitment_at is not None:
            at = f"{timezone.localtime(registration.commitment_at):%Y-%m-%d %H:%M}"
            raise ValidationError(COMMITMENT_ALREADY_RECORDED % {"at": at}, code="recorded")
        raise ValidationError(COMMITMENT_NOT_ACTIVE, code="not_active")
    return registration


# ---- corrections: reopen after a cancelled exit, transfer within the province ----------------------------------

REOPEN_NOT_ENDED = _("该失业登记未注销，无需恢复")
REOPEN_IMPORTED = _("该登记是导入的既有注销记录，不能恢复；如需办理请本人重新申请")
REOPEN_REGISTERED_AGAIN = _("该劳动者此后已重新办理失业登记（%(number)s），不能恢复原登记")
REOPEN_APPLIED_AGAIN = _("该劳动者此后已重新申请失业登记（%(number)s），请在该申请中办理，不能恢复原登记")
TRANSFER_SUPERVISOR_ONLY = _("只有主管可以转移失业登记")
TRANSFER_NOT_ACTIVE = _("该失业登记已注销，不能转移")
TRANSFER_OFFICE_REQUIRED = _("请选择转入机构")
TRANSFER_SAME_OFFICE = _("转入机构不能是当前登记机构")
TRANSFER_OFFICE_INACTIVE = _("转入机构已停用")
TRANSFER_OTHER_PROVINCE = _("只能转移到本省的公共就业服务机构；在外省登记的，请本人到该地办理")
TRANSFER_REASON_REQUIRED = _("请填写转移原因")
TRANSFER_REASON_TOO_LONG = _("转移原因最多 %(limit)d 个字符")
TRANSFER_REASON_MAX_LENGTH = 200


def _province(region: Region) -> str:
    """The code of the province ``region`` lies in (the first code of its path)."""
    return region.path.split("/", 1)[0]


@transaction.atomic
def registration_reopen(*, registration: Registration, user: User) -> Registration:
    """Make an ended registration active again: what ``registration_end`` did is reversed (status, ``ended_on``).
    Called by the deregistration stage when a supervisor cancels an exit before its upload (the stage checks the
    role and the upload); here: the user's region, and nobody may hold two registrations.

    Refused (ValidationError, nothing changed) when the registration is not ended, is an imported historical one
    (it has its own ``ended_reason`` and no exit), or the person has since registered again (an active or a newer
    registration) or applied again (a pending application): the person goes on with the new one. The person row is
    locked first, as every service that registers a person does, so a decision on a new application cannot race.
    Sends ``signals.registration_reopened``."""
    if not can_see_region(user, registration.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    Person.objects.select_for_update().filter(pk=registration.person_id).first()
    registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
    if registration.status != Registration.Status.ENDED:
        raise ValidationError(REOPEN_NOT_ENDED, code="not_ended")
    if registration.ended_reason:
        raise ValidationError(REOPEN_IMPORTED, code="imported")
    others = Registration.objects.filter(person_id=registration.person_id).exclude(pk=registration.pk)
    again = (
        others.filter(
            Q(status=Registration.Status.ACTIVE)
            | Q(registered_on__gt=registration.registered_on)
            | Q(registered_on=registration.registered_on, created_at__gt=registration.created_at)
        )
        .order_by("-registered_on", "-pk")
        .first()
    )
    if again is not None:
        raise ValidationError(REOPEN_REGISTERED_AGAIN % {"number": again.number}, code="registered_again")
    pending = Application.objects.filter(
        person_id=registration.person_id, status=Application.Status.PENDING
    ).first()
    if pending is not None:
        raise ValidationError(REOPEN_APPLIED_AGAIN % {"number": pending.number}, code="applied_again")
    try:
        with transaction.atomic():
            won = transition(
                Registration,
                registration.pk,
                from_=Registration.Status.ENDED,
                to=Registration.Status.ACTIVE,
                allowed=Registration.STATUS_MOVES,
                ended_on=None,
            )
    except IntegrityError as exc:  # registered again at this very moment (one active registration per person)
        raise ValidationError(REOPEN_REGISTERED_AGAIN % {"number": "—"}, code="registered_again") from exc
    if not won:  # cannot happen under the row lock; kept as the guard of the conditional UPDATE
        raise ValidationError(REOPEN_NOT_ENDED, code="not_ended")
    registration.refresh_from_db()
    registration_reopened.send(sender=Registration, registration=registration, user=user)
    return registration


@transaction.atomic
def registration_transfer(
    *, registration: Registration, user: User, to_office: Office | None, reason: str
) -> Transfer:
    """Move an active registration to another office of the same province (notice 四, 转移): a supervisor who sees
    the registration's region; ``to_office`` active, not the current one, in the province; a reason. The
    registration (and the person's managing region) is then held by ``to_office``; the person stays visible to the
    sending office through their application there, and the ``Transfer`` row keeps the move for both. No exit is
    recorded. A person registered in another province asks that office to deregister (nothing moves across).

    Sends ``signals.registration_transferring`` before the change (a receiver may refuse with ValidationError)
    and ``signals.registration_transferred`` after it, in this transaction."""
    if not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(TRANSFER_SUPERVISOR_ONLY)
    if not can_see_region(user, registration.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    errors: dict[str, list[StrOrPromise]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [TRANSFER_REASON_REQUIRED]
    elif len(reason) > TRANSFER_REASON_MAX_LENGTH:
        errors["reason"] = [TRANSFER_REASON_TOO_LONG % {"limit": TRANSFER_REASON_MAX_LENGTH}]
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("region", "office", "person")
        .get(pk=registration.pk)
    )
    if to_office is None:
        errors["to_office"] = [TRANSFER_OFFICE_REQUIRED]
    else:
        to_office = Office.objects.select_related("region").get(pk=to_office.pk)
        if to_office.pk == registration.office_id:
            errors["to_office"] = [TRANSFER_SAME_OFFICE]
        elif not to_office.is_active:
            errors["to_office"] = [TRANSFER_OFFICE_INACTIVE]
        elif _province(to_office.region) != _province(registration.region):
            errors["to_office"] = [TRANSFER_OTHER_PROVINCE]
    if errors:
        raise ValidationError(errors)
    assert to_office is not None
    if registration.status != Registration.Status.ACTIVE:
        raise ValidationError(TRANSFER_NOT_ACTIVE, code="not_active")
    registration_transferring.send(
        sender=Registration, registration=registration, to_office=to_office, user=user
    )
    transfer = Transfer.objects.create(
        registration=registration,
        from_office=registration.office,
        from_region=registration.region,
        to_office=to_office,
        to_region=to_office.region,
        reason=reason,
        by=user,
        at=timezone.now(),
    )
    registration.office, registration.region = to_office, to_office.region
    registration.save(update_fields=["office", "region", "updated_at"])
    person = Person.objects.select_for_update().get(pk=registration.person_id)
    if person.region_id != to_office.region_id:
        # Managed where the registration is held now; the sending office keeps seeing the person through the
        # application decided there (``selectors.people_in_scope``) and the transfer record.
        person.region = to_office.region
        person.applied_elsewhere = True
        person.save(update_fields=["region", "applied_elsewhere", "updated_at"])
    registration_transferred.send(
        sender=Registration, registration=registration, transfer=transfer, user=user
    )
    return transfer
