"""Stage 2 of the lifecycle, 服务 (notice (三)(四), Henan 二): the first contact within 5 working days of
registration, the service and policy lists, tiered services (分级分类), policy introductions, and the monthly
follow-up (每月1次跟踪调查) whose record the deregistration stage reads for codes 31/32.

Everything here belongs to follow-up: registration knows nothing of it. The follow-up record of a registration,
``Case``, is created by this stage after the fact (``services.cases_open``: a sweep every minute, the monthly job,
or the first page that needs it), never in registration's transaction.

The rules live in ``followup/services.py``; the reads in ``followup/selectors.py``. Statuses have their choices,
the moves they allow (``common.transitions.Transitions``) and the named groups side by side, as in
``registration/models.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.history import append_only, tracked
from common.models import TimeStampedModel
from common.transitions import Transitions
from offices.models import Region
from registration.models import Registration

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise


# ---- tiers (分级分类) ----------------------------------------------------------------------------------
class Tier(models.TextChoices):
    """The service tier given at the first contact (notice 三: 分级分类提供服务)."""

    READY = "ready", _("一类：具备就业条件，可直接推荐就业")
    GUIDANCE = "guidance", _("二类：需职业指导或技能培训")
    INTENSIVE = "intensive", _("三类：需重点帮扶")


# The plan each tier suggests (prefilled at the first contact; the caseworker may write another).
TIER_PLANS: dict[str, StrOrPromise] = {
    Tier.READY: _("每月推荐匹配岗位信息，跟踪求职进展；有需要时提供职业指导。"),
    Tier.GUIDANCE: _("提供职业指导和职业技能培训信息，协助报名培训，培训后推荐岗位。"),
    Tier.INTENSIVE: _(
        "一对一帮扶：制定个人就业计划，优先推荐岗位（含公益性岗位），协助申请就业扶持政策，每月至少联系一次。"
    ),
}


@tracked(inserts=False)
class Case(TimeStampedModel):
    """The follow-up record (跟踪服务档案) of one registration: who is responsible, whether and when the first
    contact was made, the service tier and plan.

    One per registration, sharing its primary key (``registration_id``), so "one follow-up per registration and
    month" is literally a unique (registration, month). Created by this stage (``services.cases_open``), never in
    registration's transaction: ``responsible`` starts as whoever registered the person, ``first_contact_due_at``
    is the registration's (5 working days, notice 三) and ``region`` the registration's (for scoping).
    ``first_contact_at`` is set by the reached contact by staff that meets it (``services.contact_record``);
    an SMS sent by the system never does.
    """

    registration = models.OneToOneField(
        Registration,
        verbose_name=_("失业登记"),
        primary_key=True,
        on_delete=models.PROTECT,
        related_name="followup_case",
    )
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任经办人"), on_delete=models.PROTECT, related_name="+"
    )
    first_contact_due_at = models.DateTimeField(_("首次联系时限"))
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    tier = models.CharField(_("服务类别"), max_length=10, choices=Tier.choices, blank=True)
    plan = models.CharField(_("服务计划"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("跟踪服务档案")
        verbose_name_plural = _("跟踪服务档案")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tier__in=["", *Tier.values]), name="followup_case_tier_valid"
            ),
            # Every registered person gets a tier from the first contact (notice 三: 分级分类).
            models.CheckConstraint(
                condition=models.Q(first_contact_at__isnull=True) | ~models.Q(tier=""),
                name="followup_case_contacted_has_tier",
            ),
        ]
        indexes = [
            # followup.selectors.first_contacts / home panel: open first contacts (few at any time, however
            # many registrations there are) by responsible caseworker and due time, and by due time for a
            # supervisor's region.
            models.Index(
                fields=["responsible", "first_contact_due_at"],
                condition=models.Q(first_contact_at__isnull=True),
                name="followup_case_open_mine",
            ),
            models.Index(
                fields=["first_contact_due_at"],
                condition=models.Q(first_contact_at__isnull=True),
                name="followup_case_open_due",
            ),
        ]

    def __str__(self) -> str:
        return str(self.registration_id)


class Assignment(models.Model):
    """A change of the responsible caseworker (by a supervisor, one person or a whole list at once), with who,
    when and why. Append-only: the history of responsibility cannot be rewritten. The first responsible
    caseworker (who registered the person) needs no row."""

    case = models.ForeignKey(
        Case, verbose_name=_("跟踪服务档案"), on_delete=models.PROTECT, related_name="assignments"
    )
    previous = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("原责任经办人"), on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("新责任经办人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("调整原因"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调整人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("调整时间"))

    class Meta:
        verbose_name = _("责任经办人调整")
        verbose_name_plural = _("责任经办人调整")
        indexes = [models.Index(fields=["case", "at"], name="followup_assignment_case_at")]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.previous_id} → {self.responsible_id}"


class TierChange(models.Model):
    """The tier given at the first contact (``previous`` blank) and every later change, with the reason.
    Append-only."""

    case = models.ForeignKey(
        Case, verbose_name=_("跟踪服务档案"), on_delete=models.PROTECT, related_name="tier_changes"
    )
    previous = models.CharField(_("原服务类别"), max_length=10, choices=Tier.choices, blank=True)
    tier = models.CharField(_("服务类别"), max_length=10, choices=Tier.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("服务类别变更")
        verbose_name_plural = _("服务类别变更")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tier__in=Tier.values) & models.Q(previous__in=["", *Tier.values]),
                name="followup_tierchange_tier_valid",
            ),
            # A change (not the first tier) says why.
            models.CheckConstraint(
                condition=models.Q(previous="") | ~models.Q(reason=""),
                name="followup_tierchange_change_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["case", "at"], name="followup_tierchange_case_at")]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.previous or '-'} → {self.tier}"


# ---- contact attempts ---------------------------------------------------------------------------------
class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    VISIT = "visit", _("实地走访")
    COUNTER = "counter", _("窗口面谈")


class NotReachedReason(models.TextChoices):
    NO_ANSWER = "no_answer", _("无人接听")
    SWITCHED_OFF = "switched_off", _("关机或无法接通")
    WRONG_NUMBER = "wrong_number", _("号码错误或已停机")
    NO_REPLY = "no_reply", _("短信未回复")
    NOT_AT_HOME = "not_at_home", _("走访未遇")
    REFUSED_TO_TALK = "refused_to_talk", _("拒绝交谈")
    OTHER = "other", _("其他")


class SkillLevel(models.TextChoices):
    """技能水平: the vocational qualification levels (国家职业资格 / 职业技能等级) and professional titles."""

    NONE = "none", _("无")
    LEVEL_5 = "level5", _("五级/初级工")
    LEVEL_4 = "level4", _("四级/中级工")
    LEVEL_3 = "level3", _("三级/高级工")
    LEVEL_2 = "level2", _("二级/技师")
    LEVEL_1 = "level1", _("一级/高级技师")
    TITLE_JUNIOR = "title_junior", _("初级职称")
    TITLE_MIDDLE = "title_middle", _("中级职称")
    TITLE_SENIOR = "title_senior", _("高级职称")


class WorkTime(models.TextChoices):
    FULL = "full", _("全日制")
    PART = "part", _("非全日制")
    EITHER = "either", _("均可")


class ListDelivery(models.TextChoices):
    """How the service list or the policy list was given (blank: not given)."""

    HANDED = "handed", _("当面发放")
    SMS = "sms", _("短信发送")
    WECHAT = "wechat", _("微信链接")


class ContactAttempt(models.Model):
    """One attempt by staff to contact a registered person (first contact, monthly follow-up or any other), by
    phone, SMS, a home visit (实地走访) or at the counter: when, by whom, reached or not and why not.

    A reached contact records what the notice asks to learn (三): the unemployment reason (AJC093), skill level,
    employment intention, training and start-up wishes, which lists were given and how, and whether the person
    refused service. ``first_contact`` marks the reached contact that met the first-contact deadline (one per
    case). Append-only: failed attempts stay on the record, and the streaks the deregistration stage reads for
    codes 31/32 (``selectors.refusal_streak``, ``selectors.unreachable_streak``) are derived from rows nobody can
    change afterwards.
    """

    case = models.ForeignKey(
        Case, verbose_name=_("跟踪服务档案"), on_delete=models.PROTECT, related_name="attempts"
    )
    channel = models.CharField(_("联系方式"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("联系时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("联系人"), on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField(_("已联系上"))
    not_reached_reason = models.CharField(
        _("未联系上原因"), max_length=20, choices=NotReachedReason.choices, blank=True
    )
    first_contact = models.BooleanField(_("首次联系"), default=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    # What a reached contact learns (notice 三): 失业原因、技能水平、就业意愿.
    unemployment_reason = models.CharField(_("失业原因"), max_length=2, blank=True)
    skill_level = models.CharField(_("技能水平"), max_length=12, choices=SkillLevel.choices, blank=True)
    wanted_occupation = models.CharField(_("意向职业（工种）"), max_length=100, blank=True)
    wanted_place = models.CharField(_("意向工作地点"), max_length=100, blank=True)
    pay_min = models.PositiveIntegerField(_("期望月薪下限（元）"), null=True, blank=True)
    pay_max = models.PositiveIntegerField(_("期望月薪上限（元）"), null=True, blank=True)
    work_time = models.CharField(_("用工形式"), max_length=10, choices=WorkTime.choices, blank=True)
    available_from = models.DateField(_("可到岗时间"), null=True, blank=True)
    wants_training = models.BooleanField(_("有培训意愿"), default=False)
    training_interest = models.CharField(_("希望参加的培训"), max_length=100, blank=True)
    wants_startup = models.BooleanField(_("有创业意愿"), default=False)
    service_list_given = models.CharField(
        _("服务清单发放方式"), max_length=10, choices=ListDelivery.choices, blank=True
    )
    policy_list_given = models.CharField(
        _("政策清单发放方式"), max_length=10, choices=ListDelivery.choices, blank=True
    )
    refused_service = models.BooleanField(_("本人拒绝接受服务"), default=False)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="followup_contactattempt_channel_valid"
            ),
            # Reached, or not reached with a reason from the list.
            models.CheckConstraint(
                condition=models.Q(reached=True, not_reached_reason="")
                | models.Q(reached=False, not_reached_reason__in=NotReachedReason.values),
                name="followup_contactattempt_reason_matches_reached",
            ),
            # Only a reached contact can meet the first contact or record a refusal of service.
            models.CheckConstraint(
                condition=models.Q(reached=True) | models.Q(first_contact=False, refused_service=False),
                name="followup_contactattempt_reached_for_first_or_refusal",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(first_contact=True),
                name="followup_contactattempt_one_first",
            ),
            models.CheckConstraint(
                condition=models.Q(skill_level__in=["", *SkillLevel.values])
                & models.Q(work_time__in=["", *WorkTime.values])
                & models.Q(service_list_given__in=["", *ListDelivery.values])
                & models.Q(policy_list_given__in=["", *ListDelivery.values]),
                name="followup_contactattempt_codes_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(pay_min__isnull=True)
                | models.Q(pay_max__isnull=True)
                | models.Q(pay_min__lte=models.F("pay_max")),
                name="followup_contactattempt_pay_range",
            ),
        ]
        indexes = [
            # followup.selectors (streaks, the case page, the timeline): a case's attempts by time.
            models.Index(fields=["case", "at"], name="followup_attempt_case_at"),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_channel_display()} {self.at:%Y-%m-%d}"


# ---- monthly follow-up (每月1次跟踪调查) ------------------------------------------------------------
class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待跟踪")
    DONE = "done", _("已完成")


# A follow-up is done when it has an outcome; the outcome is final (a later contact is a new attempt).
FOLLOW_UP_MOVES = Transitions(FollowUpStatus, {FollowUpStatus.OPEN: {FollowUpStatus.DONE}})


class FollowUpOutcome(models.TextChoices):
    STILL_LOOKING = "still_looking", _("已联系，仍在求职")
    FOUND_WORK = "found_work", _("已就业")
    STARTED_BUSINESS = "started_business", _("已自主创业")
    REFUSED = "refused", _("拒绝接受服务")
    UNREACHABLE = "unreachable", _("无法取得联系")


# Outcomes that propose an exit to the deregistration stage (AJC00A), which decides: a proposal, not an exit.
EXIT_PROPOSALS: dict[str, str] = {FollowUpOutcome.FOUND_WORK: "11", FollowUpOutcome.STARTED_BUSINESS: "12"}
REACHED_OUTCOMES = (
    FollowUpOutcome.STILL_LOOKING,
    FollowUpOutcome.FOUND_WORK,
    FollowUpOutcome.STARTED_BUSINESS,
    FollowUpOutcome.REFUSED,
)


@tracked(inserts=False)
class MonthlyFollowUp(TimeStampedModel):
    """The follow-up of one registration in one calendar month (notice 四: 每月开展1次跟踪调查), due on the
    month's last working day.

    Opened by the monthly job for every registration active on the month's first day and registered before that
    month (``services.followup_open_month``: one INSERT … SELECT, idempotent through the unique case + month;
    the case's key is the registration's). Done when it has an outcome: a reached contact in the month (still
    looking, found work, started a business, refused service) or, after at least one failed attempt and none
    reached, "could not be reached".
    """

    Status = FollowUpStatus
    Outcome = FollowUpOutcome
    STATUS_MOVES = FOLLOW_UP_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal  # open
    TERMINAL_STATES = STATUS_MOVES.terminal  # done

    case = models.ForeignKey(
        Case, verbose_name=_("跟踪服务档案"), on_delete=models.PROTECT, related_name="monthly_followups"
    )
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("跟踪结果"), max_length=20, choices=Outcome.choices, blank=True)
    attempt = models.ForeignKey(
        ContactAttempt,
        verbose_name=_("联系记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("月度跟踪")
        verbose_name_plural = _("月度跟踪")
        constraints = [
            # Once per registration and calendar month: what makes the monthly job idempotent and parallel-safe
            # (INSERT … ON CONFLICT DO NOTHING in services.followup_open_month).
            models.UniqueConstraint(fields=["case", "month"], name="followup_monthlyfollowup_one_per_month"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="followup_monthlyfollowup_first_of_month"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=FollowUpStatus.values),
                name="followup_monthlyfollowup_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["", *FollowUpOutcome.values]),
                name="followup_monthlyfollowup_outcome_valid",
            ),
            # Done exactly when it has an outcome, with who and when.
            models.CheckConstraint(
                condition=models.Q(status=FollowUpStatus.OPEN, outcome="", done_at__isnull=True)
                | (models.Q(status=FollowUpStatus.DONE, done_at__isnull=False) & ~models.Q(outcome="")),
                name="followup_monthlyfollowup_done_has_outcome",
            ),
        ]
        indexes = [
            # followup.selectors.monthly_followups / home panel: a month's follow-ups of a region, open first.
            models.Index(fields=["month", "status"], name="followup_monthly_month_status"),
            # followup.clocks / the dashboard and the escalation sweep: open follow-ups by due day.
            models.Index(
                fields=["due_on"],
                condition=models.Q(status=FollowUpStatus.OPEN),
                name="followup_monthly_open_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.month:%Y-%m}"

    @property
    def proposed_exit_code(self) -> str:
        """AJC00A code this outcome proposes to the deregistration stage ("11", "12"), or ""."""
        return EXIT_PROPOSALS.get(self.outcome, "")


# ---- catalogs kept by administrators --------------------------------------------------------------------
class ServiceKind(models.TextChoices):
    JOB_REFERRAL = "job_referral", _("职业介绍")
    CAREER_GUIDANCE = "career_guidance", _("职业指导")
    TRAINING = "training", _("职业技能培训")
    STARTUP = "startup", _("创业开业指导")
    POLICY_HELP = "policy_help", _("协助申请政策")
    OTHER = "other", _("其他服务")


@tracked()
class Service(TimeStampedModel):
    """An entry of the service list (服务清单) given to registered people: name, what it is, who provides it.
    Kept by administrators in the admin site; a withdrawn service is made inactive, never deleted."""

    name = models.CharField(_("服务名称"), max_length=100, unique=True)
    kind = models.CharField(_("服务类型"), max_length=20, choices=ServiceKind.choices)
    description = models.CharField(_("服务内容"), max_length=500, blank=True)
    provider = models.CharField(_("提供机构"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务清单")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ServiceKind.values), name="followup_service_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


@tracked()
class Policy(TimeStampedModel):
    """An entry of the policy list (政策清单): an employment or start-up support policy with who qualifies and
    when it is valid. Kept by administrators in the admin site.

    A policy is suggested for a person whose record meets every condition set (``selectors.policy_suggestions``):
    one of the categories ticked (none ticked: any), the age range, employment-difficulty status, insured.
    """

    name = models.CharField(_("政策名称"), max_length=100, unique=True)
    summary = models.CharField(_("政策内容"), max_length=500)
    provider = models.CharField(_("经办部门"), max_length=100, blank=True)
    for_graduates = models.BooleanField(_("适用：离校未就业高校毕业生"), default=False)
    for_subsidy_recipients = models.BooleanField(_("适用：领取失业补助金人员"), default=False)
    for_migrant_workers = models.BooleanField(_("适用：领取生活补助的失业农民工"), default=False)
    requires_difficulty = models.BooleanField(_("限就业困难人员"), default=False)
    requires_insured = models.BooleanField(_("限有参保缴费记录"), default=False)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("政策")
        verbose_name_plural = _("政策清单")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="followup_policy_age_range",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="followup_policy_validity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# ---- services delivered and policies introduced --------------------------------------------------------
@tracked()
class ServiceDelivery(TimeStampedModel):
    """A service given to a registered person (notice 三: 职业介绍、职业指导、职业技能培训信息、创业开业指导,
    help applying for a policy): what, when, by whom, the outcome. A job referral names the employer and the
    position. Shown on the person's timeline and, without ``internal_note``, on the applicant's progress page
    (notice 六: 服务提供)."""

    case = models.ForeignKey(
        Case, verbose_name=_("跟踪服务档案"), on_delete=models.PROTECT, related_name="services"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="+"
    )
    delivered_on = models.DateField(_("服务日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.CharField(_("推荐单位"), max_length=100, blank=True)
    position = models.CharField(_("推荐岗位"), max_length=100, blank=True)
    policy = models.ForeignKey(
        Policy,
        verbose_name=_("协助申请的政策"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("服务结果"), max_length=200, blank=True)
    internal_note = models.CharField(_("内部备注"), max_length=300, blank=True, help_text=_("仅工作人员可见"))

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        indexes = [models.Index(fields=["case", "delivered_on"], name="followup_delivery_case_on")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.service_id} {self.delivered_on}"


class IntroductionStatus(models.TextChoices):
    INTRODUCED = "introduced", _("已介绍")
    APPLIED = "applied", _("已申请")
    GRANTED = "granted", _("已享受")
    NOT_WANTED = "not_wanted", _("本人暂不需要")


# Introduced → applied for → granted; the person may not want it at any point before it is granted, and may
# change their mind. Granted is final.
INTRODUCTION_MOVES = Transitions(
    IntroductionStatus,
    {
        IntroductionStatus.INTRODUCED: {IntroductionStatus.APPLIED, IntroductionStatus.NOT_WANTED},
        IntroductionStatus.APPLIED: {IntroductionStatus.GRANTED, IntroductionStatus.NOT_WANTED},
        IntroductionStatus.NOT_WANTED: {IntroductionStatus.INTRODUCED, IntroductionStatus.APPLIED},
    },
)


@tracked()
class PolicyIntroduction(TimeStampedModel):
    """A policy introduced to a registered person (notice 三: 主动介绍政策内容，协助申请) and where it stands:
    introduced, applied for, granted, or not wanted. One per person and policy."""

    Status = IntroductionStatus
    STATUS_MOVES = INTRODUCTION_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal
    TERMINAL_STATES = STATUS_MOVES.terminal  # granted

    case = models.ForeignKey(
        Case, verbose_name=_("跟踪服务档案"), on_delete=models.PROTECT, related_name="policy_introductions"
    )
    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.INTRODUCED)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("政策介绍")
        verbose_name_plural = _("政策介绍")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "policy"], name="followup_policyintroduction_one_per_policy"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=IntroductionStatus.values),
                name="followup_policyintroduction_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.policy_id} {self.status}"
