"""Stage 1 of the lifecycle, 申请 → 登记 (notice (一)(二)(三)(五)(六)): people, applications from every channel,
verification by comparison, the decision within 3 working days, registrations and the "一件事" bundle.

The rules themselves live in ``registration/services.py``; these models hold the data and the invariants the
database can enforce whoever writes (one open application and one active registration per person, a rejection
always has a reason from the closed list, ...).

Each status has its choices, the moves they allow (a ``common.transitions.Transitions``) and the named groups
side by side, at module level because the constraints in ``Meta`` need them (a nested class cannot see the
names of the model's body); the model carries them as ``Status``, ``STATUS_MOVES``, ``OPEN_STATES`` and
``TERMINAL_STATES``. Services move a status only through ``common.transitions.transition`` with that map.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _

from common.history import append_only, tracked
from common.models import TimeStampedModel
from common.transitions import Transitions

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise
from common.validators import validate_no_spaces
from offices.models import Office, Region

CITIZEN_ID = "01"  # AAC058 居民身份证（户口簿）


# ``applied_elsewhere`` is derived, kept for the visibility lookup: not history.
@tracked(exclude=["applied_elsewhere"])
class Person(TimeStampedModel):
    """A worker (劳动者) known to the system, keyed by identity document type (AAC058) and number (AAC044).

    For a citizen ID, ``id_number`` is the identity key: always the 18-digit form (a legacy 15-digit number is
    converted, GB 11643), so both forms are one person; what was typed is on each application
    (``Application.id_number_as_typed``). The social-security number (AAC002) is the 18-digit number.

    ``region`` is the region of the office that manages the person's record (管理地): where they were first
    recorded, moved by an office that holds them when it takes a new application, or by the office that
    registers them (``services.person_save``, ``services.application_register``, and an active handed-over or
    imported registration). Who may see the person is wider: every office whose scope holds that region or the
    region of one of their applications or registrations (``selectors.people_in_scope``). ``applied_elsewhere``
    marks the few people who have (or had) an application or a registration in another region than ``region``:
    only their applications and registrations need looking at then.
    """

    code = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    id_type = models.CharField(_("证件类型"), max_length=2, default=CITIZEN_ID)
    id_number = models.CharField(_("证件号码"), max_length=22)
    social_security_number = models.CharField(_("社会保障号码"), max_length=18, blank=True)
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_no_spaces])
    sex = models.CharField(_("性别"), max_length=1)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=2, blank=True)
    education = models.CharField(_("文化程度"), max_length=2, blank=True)
    household_type = models.CharField(_("户口性质"), max_length=2, blank=True)
    hukou_region = models.ForeignKey(
        Region, verbose_name=_("户籍地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    residence_region = models.ForeignKey(
        Region, verbose_name=_("常住地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("居住地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("管理地"), on_delete=models.PROTECT, related_name="people"
    )
    # Set (never cleared) by the services whenever an application's or registration's region differs from
    # ``region`` or ``region`` moves: people_in_scope looks up the applications and registrations of these people
    # only, so a name search of a county reads its index as before instead of probing every person's cases.
    applied_elsewhere = models.BooleanField(_("曾在管理地以外申请"), default=False, editable=False)

    class Meta:
        verbose_name = _("劳动者")
        verbose_name_plural = _("劳动者")
        constraints = [
            # id_number first: the same index serves "this document" and a lookup by number alone
            # (registration.selectors.person_search).
            models.UniqueConstraint(
                fields=["id_number", "id_type"], name="registration_person_unique_document"
            ),
            models.CheckConstraint(
                condition=~models.Q(name__regex=r"[\s\u3000]"), name="registration_person_name_no_spaces"
            ),
        ]
        indexes = [
            # registration.selectors.person_search: name prefix in code-point order (name COLLATE "C" LIKE
            # '王%' ORDER BY name COLLATE "C", id LIMIT 50): the index is read in order and stops after 50
            # rows, even for a one-character surname shared by a tenth of a province. And exact phone.
            models.Index(Collate("name", "C"), "id", name="registration_person_name_c"),
            models.Index(fields=["phone"], name="registration_person_phone"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        from .idnumbers import mask_id

        return mask_id(self.id_number)


class RejectionReason(models.TextChoices):
    """The closed list of reasons an application may be refused (notice 二 and 十).

    The five prohibitions (二) forbid refusing for missing materials or certificates, for not being insured
    locally, or for not qualifying for unemployment-insurance benefits ("严禁以资料不全、未参保、不符合领金条件等
    理由拒绝登记"): no member here can express them, and ``application_reject`` accepts nothing else.
    """

    OUT_OF_WORKING_AGE = "age", _("不在劳动年龄内（未满16周岁）")
    DRAWING_PENSION = "pension", _("已依法享受基本养老保险待遇")
    EMPLOYED = "employed", _("经信息比对或人工核查，目前处于就业状态")
    ALREADY_REGISTERED = "registered_elsewhere", _("已在其他地区办理失业登记且仍有效")
    NO_WORKING_CAPACITY = "incapacity", _("完全丧失劳动能力")
    NO_JOB_SEEKING = "not_seeking", _("本人表示暂无就业需求")


# What the applicant is told for each reason: plain Chinese, with what they can do next.
REJECTION_EXPLANATIONS: dict[str, StrOrPromise] = {
    RejectionReason.OUT_OF_WORKING_AGE: _(
        "失业登记面向劳动年龄内（年满16周岁）的人员。年满16周岁后可再次申请。"
    ),
    RejectionReason.DRAWING_PENSION: _(
        "您已依法享受基本养老保险待遇，不属于登记失业人员范围。如信息有误，请携带身份证件到窗口说明。"
    ),
    RejectionReason.EMPLOYED: _(
        "经信息比对或核查，您目前处于就业状态（如比对发现您仍在用人单位任职或登记有经营主体）。"
        "如已离职或停止经营，请到窗口说明情况，工作人员将人工核实后重新办理。"
    ),
    RejectionReason.ALREADY_REGISTERED: _(
        "您已在其他地区办理失业登记且仍有效，无需重复登记。如需变更登记地，请联系原登记机构。"
    ),
    RejectionReason.NO_WORKING_CAPACITY: _(
        "失业登记面向有劳动能力的人员。您可以咨询当地民政部门了解相关救助政策。"
    ),
    RejectionReason.NO_JOB_SEEKING: _("您表示暂无就业需求。今后有就业需求时，可随时再次申请失业登记。"),
}


class ImportBatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


# A queued batch is claimed by one job (queued → running); a running one ends done or failed, or goes back to the
# queue to resume after its last committed chunk: when its worker stopped (registration.imports.
# import_batches_resume) or when the job used up its time slice (registration.imports.batches).
IMPORT_BATCH_MOVES = Transitions(
    ImportBatchStatus,
    {
        ImportBatchStatus.QUEUED: {ImportBatchStatus.RUNNING},
        ImportBatchStatus.RUNNING: {
            ImportBatchStatus.DONE,
            ImportBatchStatus.FAILED,
            ImportBatchStatus.QUEUED,
        },
    },
)


# The file and the running counts change with every chunk of rows: not history, and far too big for it.
@tracked(
    exclude=[
        "content",
        "processed_rows",
        "total_rows",
        "created_rows",
        "skipped_rows",
        "error_rows",
        "errors",
        "skips",
        "attempt",
    ]
)
class ImportBatch(TimeStampedModel):
    """One uploaded file (comparison records, a graduate list, existing registrations) with its per-row report.

    ``errors`` holds ``[{"row": 7, "field": "身份证号", "message": "..."}]``; good rows are kept, bad rows are
    reported and nothing of them is saved. ``skips`` lists, in the same shape, the rows of a list of people that
    were left out on purpose and why (the person already has an active registration or a pending application,
    the file names them twice): ``skipped_rows`` counts them. ``sha256`` lets ops see that the same file came
    twice.

    Every file is processed by a Celery job (registration.imports.batches.import_batch_process) in committed
    chunks: ``processed_rows`` is where a resumed job starts, ``updated_at`` moves with every chunk and is the
    job's heartbeat, and ``attempt`` counts the claims, so that a job that lost its claim (its batch was queued
    again while it was still alive) commits nothing more.
    """

    class Kind(models.TextChoices):
        SOCIAL_INSURANCE = "social_insurance", _("社会保险参保缴费记录")
        BUSINESS = "business", _("市场主体登记记录")
        GRADUATES = "graduates", _("教育部门移交离校未就业高校毕业生名单")
        REGISTRATIONS = "registrations", _("既有失业登记")

    Status = ImportBatchStatus
    STATUS_MOVES = IMPORT_BATCH_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal  # queued, running
    TERMINAL_STATES = STATUS_MOVES.terminal  # done, failed

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The uploaded file waits here for the job (registration.tasks.process_import_batch), and
    # ``processed_rows`` lets an interrupted job resume after the last committed chunk.
    content = models.BinaryField(_("文件内容"), null=True, blank=True, editable=False)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    attempt = models.PositiveIntegerField(_("处理次数"), default=0, editable=False)
    failure = models.CharField(_("失败原因"), max_length=500, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    office = models.ForeignKey(Office, verbose_name=_("导入机构"), on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    created_rows = models.PositiveIntegerField(_("新增"), default=0)
    skipped_rows = models.PositiveIntegerField(_("已存在跳过"), default=0)
    error_rows = models.PositiveIntegerField(_("错误行"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    skips = models.JSONField(_("跳过明细"), default=list, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]
        indexes = [
            # registration.imports.import_batches_resume: the sweep over unfinished batches without progress.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status__in=IMPORT_BATCH_MOVES.non_terminal),
                name="registration_batch_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportBatchStatus.values),
                name="registration_importbatch_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    def get_kind_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django (and django-stubs) make from the choices
        """The kind's label; a kind a later stage registered on the import mechanism has its label there
        (``imports.batches.ImportFlow.labels``)."""
        if self.kind in self.Kind.values:
            return str(self.Kind(self.kind).label)
        from .imports.batches import kind_label  # the flows import this module

        return str(kind_label(self.kind) or self.kind)


class ComparisonRecord(models.Model):
    """A record from another department used for 信息比对 (notice 二): a social-insurance contribution period
    or a business registration. ``end_date`` empty means still ongoing (employed / operating)."""

    class Source(models.TextChoices):
        SOCIAL_INSURANCE = "social_insurance", _("社会保险")
        BUSINESS = "business", _("市场主体登记")

    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    id_number = models.CharField(_("证件号码"), max_length=22)
    name = models.CharField(_("姓名"), max_length=50)
    organisation = models.CharField(_("单位或市场主体名称"), max_length=200)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("导入批次"), on_delete=models.PROTECT, related_name="comparison_records"
    )

    class Meta:
        verbose_name = _("比对数据")
        verbose_name_plural = _("比对数据")
        constraints = [
            # Importing the same file twice adds nothing.
            models.UniqueConstraint(
                fields=["source", "id_number", "organisation", "start_date"],
                name="registration_comparison_unique",
            ),
        ]
        indexes = [models.Index(fields=["id_number"], name="registration_comparison_idno")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.organisation}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待办理")
    REGISTERED = "registered", _("已登记")
    REJECTED = "rejected", _("不予登记")
    WITHDRAWN = "withdrawn", _("已撤回")  # at the applicant's own request (services.application_withdraw)


# A pending application is decided once: registered, rejected, or withdrawn at the applicant's request. Every
# outcome is final; the person may apply again (a new application) once nothing of theirs is open.
APPLICATION_MOVES = Transitions(
    ApplicationStatus,
    {
        ApplicationStatus.PENDING: {
            ApplicationStatus.REGISTERED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    },
)


@tracked()
class Application(TimeStampedModel):
    """An application for unemployment registration (失业登记申请), from any channel.

    Decided within 3 working days of submission (``due_at``, notice 三) by registering or by rejecting with a
    reason from ``RejectionReason``. The applicant signs the commitment (告知承诺制); no document other than the
    identity document is ever required (二).
    """

    class Channel(models.TextChoices):
        COUNTER = "counter", _("窗口受理")
        ONLINE = "online", _("网上申请")
        NATIONAL = "national", _("全国平台转办")
        EDUCATION = "education", _("教育部门移交")

    class Basis(models.TextChoices):
        HUKOU = "hukou", _("户籍地")
        RESIDENCE = "residence", _("常住地")
        EMPLOYMENT = "employment", _("就业地")
        INSURANCE = "insurance", _("参保地")

    Status = ApplicationStatus
    STATUS_MOVES = APPLICATION_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal  # pending
    TERMINAL_STATES = STATUS_MOVES.terminal  # registered, rejected, withdrawn

    class MigrantAllowance(models.TextChoices):
        NONE = "", _("无")
        ONE_TIME = "one_time", _("领取一次性生活补助")
        TEMPORARY = "temporary", _("领取临时生活补助")

    code = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    person = models.ForeignKey(
        Person, verbose_name=_("劳动者"), on_delete=models.PROTECT, related_name="applications"
    )
    # The identity key on Person is the 18-digit form; the application keeps the number the applicant gave
    # (a 15-digit number stays 15 digits here), e.g. for the AAC002 of a record that must show it.
    id_number_as_typed = models.CharField(
        _("申请时填写的证件号码"),
        max_length=22,
        blank=True,
        help_text=_("申请时填写的号码（如15位旧号码）；劳动者的证件号码为其18位形式"),
    )
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices)
    national_application_number = models.CharField(
        _("全国平台申请编号"), max_length=40, null=True, blank=True, unique=True
    )
    basis = models.CharField(_("登记地类型"), max_length=10, choices=Basis.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("申请登记地"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("经办机构"), on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("提交时间"))
    due_at = models.DateTimeField(_("办结时限"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commitment_at = models.DateTimeField(_("签署承诺时间"))
    commitment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承诺记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("网上申请由本人在线承诺，为空"),
    )
    unemployment_reason = models.CharField(_("失业原因"), max_length=2, blank=True)
    is_graduate = models.BooleanField(_("离校未就业高校毕业生"), default=False)
    graduate_school = models.CharField(_("毕业院校"), max_length=100, blank=True)
    graduation_date = models.DateField(_("毕业时间"), null=True, blank=True)
    draws_unemployment_subsidy = models.BooleanField(_("领取失业补助金"), default=False)
    migrant_allowance = models.CharField(
        _("失业农民工生活补助"), max_length=10, choices=MigrantAllowance.choices, default="", blank=True
    )
    difficulty_category = models.CharField(_("就业困难人员类别"), max_length=3, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejection_reason = models.CharField(
        _("不予登记原因"), max_length=25, choices=RejectionReason.choices, blank=True
    )
    decision_note = models.CharField(_("办理说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("失业登记申请")
        verbose_name_plural = _("失业登记申请")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status=ApplicationStatus.PENDING),
                name="registration_application_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ApplicationStatus.values),
                name="registration_application_status_valid",
            ),
            models.CheckConstraint(
                condition=(models.Q(status=ApplicationStatus.REJECTED) & ~models.Q(rejection_reason=""))
                | (~models.Q(status=ApplicationStatus.REJECTED) & models.Q(rejection_reason="")),
                name="registration_application_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(rejection_reason__in=["", *RejectionReason.values]),
                name="registration_application_rejection_reason_closed_list",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ApplicationStatus.PENDING, decided_at__isnull=True)
                | (~models.Q(status=ApplicationStatus.PENDING) & models.Q(decided_at__isnull=False)),
                name="registration_application_decided_at_matches_status",
            ),
        ]
        indexes = [
            # registration.selectors.worklist: an office's pending applications by due time.
            models.Index(
                fields=["office", "due_at"],
                condition=models.Q(status=ApplicationStatus.PENDING),
                name="registration_app_worklist",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def typed_id_number(self) -> str:
        """The number given with this application; for one made before it was recorded, the person's (whose
        number then is the same unless it was converted from 15 digits, and those were filled in)."""
        return self.id_number_as_typed or self.person.id_number

    @property
    def rejection_explanation(self) -> str:
        return str(REJECTION_EXPLANATIONS.get(self.rejection_reason, ""))

    @property
    def categories(self) -> list[str]:
        """The groups served as registered unemployed (notice 一) this application belongs to, as labels."""
        return category_labels(self)


def category_labels(record: Application | Registration) -> list[str]:
    """The groups served as registered unemployed (notice 一) an application or registration belongs to."""
    labels = []
    if record.is_graduate:
        labels.append(str(_("离校未就业高校毕业生")))
    if record.draws_unemployment_subsidy:
        labels.append(str(_("领取失业补助金人员")))
    if record.migrant_allowance:
        labels.append(str(record.get_migrant_allowance_display()))
    return labels


class Verification(models.Model):
    """The result of checking an application's facts (信息比对 or 人工核查, notice 二): what was compared, when,
    by whom (empty for the automatic comparison) and the outcome."""

    class Method(models.TextChoices):
        COMPARISON = "comparison", _("信息比对")
        MANUAL = "manual", _("人工核查")

    class Outcome(models.TextChoices):
        NO_RECORD = "no_record", _("未发现就业或经营记录")
        EMPLOYMENT_FOUND = "employment_found", _("发现在职参保或经营记录")
        CONFIRMED = "confirmed", _("人工核实：申请信息属实")
        DISCREPANCY = "discrepancy", _("人工核实：与申请信息不符")

    application = models.ForeignKey(
        Application, verbose_name=_("失业登记申请"), on_delete=models.PROTECT, related_name="verifications"
    )
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    sources = models.JSONField(_("比对来源"), default=list, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    detail = models.CharField(_("说明"), max_length=500, blank=True)
    performed_at = models.DateTimeField(_("时间"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("核验记录")
        verbose_name_plural = _("核验记录")
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return f"{self.get_method_display()}：{self.get_outcome_display()}"


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    ENDED = "ended", _("已注销")


# Ended by the deregistration stage (services.registration_end); to register again a person applies anew. An
# exit cancelled before its upload makes the registration active again (services.registration_reopen), unless the
# person has registered again since.
REGISTRATION_MOVES = Transitions(
    RegistrationStatus,
    {
        RegistrationStatus.ACTIVE: {RegistrationStatus.ENDED},
        RegistrationStatus.ENDED: {RegistrationStatus.ACTIVE},
    },
)


class RegistrationSource(models.TextChoices):
    """Where a registration comes from: what happened, and so what it may claim (DESIGN.md lifecycle step 2)."""

    DECIDED = "decided", _("经申请办理登记")
    HANDED_OVER = "handed_over", _("教育部门移交")
    IMPORTED = "imported", _("导入的既有登记")


# The sources whose registrations were entered from a list by ops (recorded_by + import_batch), not decided here.
RECORDED_SOURCES = (RegistrationSource.HANDED_OVER, RegistrationSource.IMPORTED)


@tracked()
class Registration(TimeStampedModel):
    """A registration as unemployed (失业登记). It comes from one of three places (``source``):

    - ``decided``: a caseworker decided an application here (``application``, ``registered_by``; the commitment
      is the application's, copied with its categories when it is registered);
    - ``handed_over``: a graduate not employed after leaving school, handed over by the education department on
      ``handed_over_on`` (notice 一, Henan 三), recorded from the list by an ops user (``recorded_by``,
      ``import_batch``). Nobody applied, signed or decided: there is no application, no deciding caseworker and
      no commitment until the person signs one at the counter (``commitment_at`` / ``commitment_recorded_by``,
      ``services.registration_record_commitment``);
    - ``imported``: a registration made before the office adopted the system (Henan 三: upload what was done
      since 3/31), brought in by ops with its original dates, active or ended (``ended_on``, ``ended_reason``).

    The database refuses a record that claims more than its source allows (an application, a deciding
    caseworker or a commitment that did not happen). The categories of the people served as registered
    unemployed (notice 一) are on the registration itself, so that statistics read registrations alone.

    First contact is due within 5 working days after registration (``first_contact_due_at``, notice 三; for a
    handed-over graduate counted from the hand-over date); the follow-up stage reads registrations that still
    lack one. ``status`` becomes ENDED only through ``registration_end``, which the deregistration stage calls,
    or is imported so; ACTIVE again only through ``registration_reopen`` (an exit cancelled before its upload).
    A supervisor may move an active registration to another office of the province (``registration_transfer``,
    kept as a ``Transfer``): ``office`` and ``region`` are where it is held now.
    """

    Status = RegistrationStatus
    STATUS_MOVES = REGISTRATION_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal  # active, ended (an ended one may be reopened: exit cancelled)
    TERMINAL_STATES = STATUS_MOVES.terminal  # none
    Source = RegistrationSource

    code = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("登记编号"), max_length=20, unique=True)
    person = models.ForeignKey(
        Person, verbose_name=_("劳动者"), on_delete=models.PROTECT, related_name="registrations"
    )
    source = models.CharField(_("登记来源"), max_length=12, choices=Source.choices, default=Source.DECIDED)
    application = models.OneToOneField(
        Application,
        verbose_name=_("失业登记申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registration",
    )
    channel = models.CharField(_("登记渠道"), max_length=10, choices=Application.Channel.choices, blank=True)
    office = models.ForeignKey(
        Office, verbose_name=_("登记机构"), on_delete=models.PROTECT, related_name="registrations"
    )
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    registered_on = models.DateField(_("登记日期"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("办理该申请的经办人；移交和导入的登记为空"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("导入名单的运维人员（移交和导入的登记）"),
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    handed_over_on = models.DateField(_("移交日期"), null=True, blank=True)
    commitment_at = models.DateTimeField(_("签署承诺时间"), null=True, blank=True)
    commitment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承诺记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_graduate = models.BooleanField(_("离校未就业高校毕业生"), default=False)
    graduate_school = models.CharField(_("毕业院校"), max_length=100, blank=True)
    graduation_date = models.DateField(_("毕业时间"), null=True, blank=True)
    draws_unemployment_subsidy = models.BooleanField(_("领取失业补助金"), default=False)
    migrant_allowance = models.CharField(
        _("失业农民工生活补助"),
        max_length=10,
        choices=Application.MigrantAllowance.choices,
        default="",
        blank=True,
    )
    difficulty_category = models.CharField(_("就业困难人员类别"), max_length=3, blank=True)
    first_contact_due_at = models.DateTimeField(_("首次联系时限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_on = models.DateField(_("注销日期"), null=True, blank=True)
    # AJC00A code of an imported ended registration (the deregistration stage will keep its own exits).
    ended_reason = models.CharField(_("注销原因"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("失业登记")
        verbose_name_plural = _("失业登记")
        indexes = [
            # Later stages find new active registrations by creation time (the follow-up stage's case sweep).
            models.Index(
                fields=["created_at"],
                condition=models.Q(status=RegistrationStatus.ACTIVE),
                name="registration_reg_active_new",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status=RegistrationStatus.ACTIVE),
                name="registration_registration_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(status=RegistrationStatus.ACTIVE, ended_on__isnull=True)
                | models.Q(status=RegistrationStatus.ENDED, ended_on__isnull=False),
                name="registration_registration_ended_on_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RegistrationStatus.values),
                name="registration_registration_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=RegistrationSource.values),
                name="registration_registration_source_valid",
            ),
            # Only a decision here has an application and a deciding caseworker, and it always has both.
            models.CheckConstraint(
                condition=models.Q(
                    source=RegistrationSource.DECIDED,
                    application__isnull=False,
                    registered_by__isnull=False,
                    recorded_by__isnull=True,
                    import_batch__isnull=True,
                )
                | (
                    models.Q(source__in=RECORDED_SOURCES)
                    & models.Q(
                        application__isnull=True,
                        registered_by__isnull=True,
                        recorded_by__isnull=False,
                        import_batch__isnull=False,
                    )
                ),
                name="registration_registration_source_fields",
            ),
            # A hand-over has its date and is a graduate's; nothing else claims a hand-over date.
            models.CheckConstraint(
                condition=models.Q(
                    source=RegistrationSource.HANDED_OVER, handed_over_on__isnull=False, is_graduate=True
                )
                | (~models.Q(source=RegistrationSource.HANDED_OVER) & models.Q(handed_over_on__isnull=True)),
                name="registration_registration_handed_over_on",
            ),
            # A decided registration's commitment is its application's (signed, or accepted online); one recorded
            # later names no recorder without a time.
            models.CheckConstraint(
                condition=(
                    ~models.Q(source=RegistrationSource.DECIDED) | models.Q(commitment_at__isnull=False)
                )
                & (models.Q(commitment_recorded_by__isnull=True) | models.Q(commitment_at__isnull=False)),
                name="registration_registration_commitment",
            ),
            # An exit reason only on an ended registration; an imported ended one always has its reason.
            models.CheckConstraint(
                condition=(models.Q(ended_reason="") | models.Q(status=RegistrationStatus.ENDED))
                & (
                    ~models.Q(source=RegistrationSource.IMPORTED, status=RegistrationStatus.ENDED)
                    | ~models.Q(ended_reason="")
                ),
                name="registration_registration_ended_reason",
            ),
            # Importing a list again records nothing twice (services.registration_import_existing,
            # registration_hand_over): one recorded registration per person, region and date.
            models.UniqueConstraint(
                fields=["person", "region", "registered_on"],
                condition=models.Q(source__in=RECORDED_SOURCES),
                name="registration_registration_recorded_once",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def categories(self) -> list[str]:
        """The groups served as registered unemployed (notice 一) this registration belongs to, as labels."""
        return category_labels(self)

    @property
    def needs_commitment(self) -> bool:
        """An active registration nobody signed a commitment for yet (handed over, imported)."""
        return self.commitment_at is None and self.status == RegistrationStatus.ACTIVE


class BundleRequestStatus(models.TextChoices):
    OPEN = "open", _("已发起")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    DECLINED = "declined", _("未通过")
    CANCELLED = "cancelled", _("本人撤回")


# Forward only: an opened request is taken up (办理中) or ends at once; one being handled ends done, declined or
# withdrawn by the person. The outcomes are final: they record another department's decision (or the person's),
# which is not reopened here.
BUNDLE_REQUEST_MOVES = Transitions(
    BundleRequestStatus,
    {
        BundleRequestStatus.OPEN: {
            BundleRequestStatus.IN_PROGRESS,
            BundleRequestStatus.DONE,
            BundleRequestStatus.DECLINED,
            BundleRequestStatus.CANCELLED,
        },
        BundleRequestStatus.IN_PROGRESS: {
            BundleRequestStatus.DONE,
            BundleRequestStatus.DECLINED,
            BundleRequestStatus.CANCELLED,
        },
    },
)


@tracked()
class BundleRequest(TimeStampedModel):
    """A linked request of the "一件事" bundle (notice 五) opened at registration: the unemployment-insurance
    benefit claim, employment-difficulty identification, or a referral to civil affairs for 低保."""

    class Kind(models.TextChoices):
        UI_BENEFIT = "ui_benefit", _("失业保险金申领")
        DIFFICULTY = "difficulty", _("就业困难人员认定")
        DIBAO = "dibao", _("最低生活保障（转介民政部门）")

    Status = BundleRequestStatus
    STATUS_MOVES = BUNDLE_REQUEST_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal  # open, in_progress
    TERMINAL_STATES = STATUS_MOVES.terminal  # done, declined, cancelled

    registration = models.ForeignKey(
        Registration, verbose_name=_("失业登记"), on_delete=models.PROTECT, related_name="bundle_requests"
    )
    kind = models.CharField(_("事项"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("关联事项")
        verbose_name_plural = _("关联事项")
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="registration_bundle_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(status__in=BundleRequestStatus.values),
                name="registration_bundlerequest_status_valid",
            ),
        ]


class IdReveal(models.Model):
    """Each time a user saw a full ID number (everywhere else it is masked: ``idnumbers.mask_id``): who, when,
    whose and where (``context``). Append-only: the database refuses UPDATE and DELETE (``append_only`` trigger),
    so the record of who saw a number cannot be changed afterwards, by the admin, the shell or a bulk query.
    Supervisors read it on the page 证件号码查看记录 (``views/audit.py``)."""

    class Context(models.TextChoices):
        PERSON_PAGE = "person_page", _("人员页面")
        COMMITMENT_LETTER = "commitment_letter", _("告知承诺书")
        DIBAO_EXPORT = "dibao_export", _("低保转介导出")
        EXIT_EXPORT = "exit_export", _("注销名单导出（完整号码）")

    person = models.ForeignKey(Person, verbose_name=_("劳动者"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("查看时间"), auto_now_add=True)
    # Blank only on reveals recorded before the context was (they cannot be told apart any more).
    context = models.CharField(_("查看场景"), max_length=20, choices=Context.choices)

    class Meta:
        verbose_name = _("证件号码查看记录")
        verbose_name_plural = _("证件号码查看记录")
        permissions = [("reveal_id_number", "Can see full ID numbers")]
        indexes = [
            # registration.views.audit.id_reveals: newest first, a page of 100 (scope and filters on top).
            models.Index(fields=["-at", "-id"], name="registration_idreveal_at"),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.user} @ {self.at:%Y-%m-%d %H:%M}"


@tracked()
class Transfer(TimeStampedModel):
    """The move of an active registration to another office of the same province (转移), by a supervisor who sees
    the registration's region, with the reason (``services.registration_transfer``). No exit is recorded: the
    registration goes on where it is now held. Both offices keep the record: the sending one reads it on its
    transfers list and the person's timeline (``from_region``), the receiving one holds the registration
    (``to_region``). Never changed afterwards: a move back is a new transfer."""

    registration = models.ForeignKey(
        Registration, verbose_name=_("失业登记"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_office = models.ForeignKey(
        Office, verbose_name=_("转出机构"), on_delete=models.PROTECT, related_name="+"
    )
    from_region = models.ForeignKey(
        Region, verbose_name=_("转出地"), on_delete=models.PROTECT, related_name="+"
    )
    to_office = models.ForeignKey(
        Office, verbose_name=_("转入机构"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        Region, verbose_name=_("转入地"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("转移原因"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("转移时间"))

    class Meta:
        verbose_name = _("失业登记转移")
        verbose_name_plural = _("失业登记转移")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_office=models.F("to_office")),
                name="registration_transfer_other_office",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="registration_transfer_has_reason"),
        ]
        indexes = [
            # deregistration.selectors.transfers_for: the moves out of and into a region, newest first.
            models.Index(fields=["from_region", "-at"], name="registration_transfer_from"),
            models.Index(fields=["to_region", "-at"], name="registration_transfer_to"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.from_office_id} → {self.to_office_id}"
