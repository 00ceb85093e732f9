"""Forms of the follow-up pages. They check the shape of input; the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codes.lookup import choices
from common.forms import FocusFirstMixin, PlainMessagesMixin, choice_field
from common.validators import validate_text_block
from offices.models import User
from offices.roles import Role
from offices.scoping import visible_regions

from .models import (
    Channel,
    FollowUpOutcome,
    ListDelivery,
    NotReachedReason,
    Policy,
    PolicyIntroduction,
    Service,
    SkillLevel,
    Tier,
    WorkTime,
)
from .services import ContactData


def _blank(label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label)]


REACHED_CHOICES = [("yes", _("已联系上")), ("no", _("未联系上"))]
NO_LIST = _("未提供")


class ContactForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    """One contact attempt on the case page: reached or not; a reached first contact records what the notice asks
    (失业原因、技能水平、就业意愿), the lists given and the tier."""

    focus_field = "channel"

    channel = forms.ChoiceField(label=_("联系方式"), choices=Channel.choices)
    at = forms.DateTimeField(
        label=_("联系时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("不填为现在"),
    )
    reached = forms.ChoiceField(label=_("联系结果"), choices=REACHED_CHOICES, widget=forms.RadioSelect)
    not_reached_reason = forms.ChoiceField(
        label=_("未联系上原因"), required=False, choices=_blank() + NotReachedReason.choices
    )
    unemployment_reason = forms.ChoiceField(label=_("失业原因"), required=False)
    skill_level = forms.ChoiceField(
        label=_("技能水平"), required=False, choices=_blank() + SkillLevel.choices
    )
    wanted_occupation = forms.CharField(label=_("意向职业（工种）"), max_length=100, required=False)
    wanted_place = forms.CharField(label=_("意向工作地点"), max_length=100, required=False)
    pay_min = forms.IntegerField(
        label=_("期望月薪下限（元）"), min_value=0, max_value=1_000_000, required=False
    )
    pay_max = forms.IntegerField(
        label=_("期望月薪上限（元）"), min_value=0, max_value=1_000_000, required=False
    )
    work_time = forms.ChoiceField(label=_("用工形式"), required=False, choices=_blank() + WorkTime.choices)
    available_from = forms.DateField(
        label=_("可到岗时间"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    wants_training = forms.BooleanField(label=_("有培训意愿"), required=False)
    training_interest = forms.CharField(label=_("希望参加的培训"), max_length=100, required=False)
    wants_startup = forms.BooleanField(label=_("有创业意愿"), required=False)
    service_list_given = forms.ChoiceField(
        label=_("服务清单"), required=False, choices=_blank(NO_LIST) + ListDelivery.choices
    )
    policy_list_given = forms.ChoiceField(
        label=_("政策清单"), required=False, choices=_blank(NO_LIST) + ListDelivery.choices
    )
    refused_service = forms.BooleanField(label=_("本人拒绝接受服务"), required=False)
    tier = forms.ChoiceField(label=_("服务类别"), required=False, choices=_blank() + Tier.choices)
    plan = forms.CharField(
        label=_("服务计划"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text_block],
        help_text=_("不填则按服务类别的建议计划"),
    )
    outcome = forms.ChoiceField(label=_("本月跟踪结果"), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False, validators=[validate_text_block])

    def __init__(self, *args, first: bool = False, open_followup: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.first = first
        choice_field(self, "unemployment_reason").choices = _blank() + choices("AJC093")
        reached_outcomes = [(o.value, o.label) for o in FollowUpOutcome if o != FollowUpOutcome.UNREACHABLE]
        choice_field(self, "outcome").choices = _blank(_("不作为本月跟踪")) + reached_outcomes
        if not open_followup:
            del self.fields["outcome"]
        if not first:  # the tier is given once, then changed with a reason (TierForm)
            del self.fields["tier"]
            del self.fields["plan"]

    def contact_data(self) -> ContactData:
        d = self.cleaned_data
        at = d.get("at")
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        return ContactData(
            channel=d["channel"],
            reached=d["reached"] == "yes",
            not_reached_reason=d.get("not_reached_reason") or "",
            at=at,
            note=d.get("note") or "",
            unemployment_reason=d.get("unemployment_reason") or "",
            skill_level=d.get("skill_level") or "",
            wanted_occupation=d.get("wanted_occupation") or "",
            wanted_place=d.get("wanted_place") or "",
            pay_min=d.get("pay_min"),
            pay_max=d.get("pay_max"),
            work_time=d.get("work_time") or "",
            available_from=d.get("available_from"),
            wants_training=bool(d.get("wants_training")),
            training_interest=d.get("training_interest") or "",
            wants_startup=bool(d.get("wants_startup")),
            service_list_given=d.get("service_list_given") or "",
            policy_list_given=d.get("policy_list_given") or "",
            refused_service=bool(d.get("refused_service")),
            tier=d.get("tier") or "",
            plan=d.get("plan") or "",
            outcome=d.get("outcome") or "",
        )


# Quick entry from a worklist: one choice says reached or not and how it ended.
NOT_REACHED_PREFIX = "nr:"
OUTCOME_PREFIX = "out:"


def quick_choices(*, outcomes: bool) -> dict[str, list[tuple[str, Any]]]:
    """The choices of a quick entry: the channels, a failed attempt's reasons and (on the month's list) the
    outcomes of a reached contact."""
    return {
        "channels": list(Channel.choices),
        "failed": [(f"{NOT_REACHED_PREFIX}{r.value}", r.label) for r in NotReachedReason],
        "outcomes": [
            (f"{OUTCOME_PREFIX}{o.value}", o.label)
            for o in FollowUpOutcome
            if o != FollowUpOutcome.UNREACHABLE
        ]
        if outcomes
        else [],
    }


class QuickAttemptForm(forms.Form):
    """A row's quick entry on a worklist (keyboard: Tab to the row, choose, Enter)."""

    channel = forms.ChoiceField(label=_("联系方式"), choices=Channel.choices)
    result = forms.ChoiceField(label=_("结果"))
    note = forms.CharField(label=_("备注"), max_length=300, required=False, validators=[validate_text_block])

    def __init__(self, *args, outcomes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        quick = quick_choices(outcomes=outcomes)
        choice_field(self, "result").choices = quick["failed"] + quick["outcomes"]

    def contact_data(self) -> ContactData:
        result = self.cleaned_data["result"]
        channel, note = self.cleaned_data["channel"], self.cleaned_data.get("note") or ""
        if result.startswith(OUTCOME_PREFIX):
            outcome = result.removeprefix(OUTCOME_PREFIX)
            return ContactData(
                channel=channel,
                reached=True,
                outcome=outcome,
                refused_service=outcome == FollowUpOutcome.REFUSED,
                note=note,
            )
        reason = result.removeprefix(NOT_REACHED_PREFIX)
        return ContactData(channel=channel, reached=False, not_reached_reason=reason, note=note)


class UnreachableForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=300, required=False, validators=[validate_text_block])


class TierForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    tier = forms.ChoiceField(label=_("新服务类别"), choices=Tier.choices)
    reason = forms.CharField(label=_("调整原因"), max_length=200, validators=[validate_text_block])


class ServiceForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    service = forms.ModelChoiceField(label=_("服务项目"), queryset=Service.objects.filter(active=True))
    delivered_on = forms.DateField(
        label=_("服务日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    employer = forms.CharField(
        label=_("推荐单位"), max_length=100, required=False, help_text=_("职业介绍时填写")
    )
    position = forms.CharField(label=_("推荐岗位"), max_length=100, required=False)
    policy = forms.ModelChoiceField(
        label=_("协助申请的政策"),
        queryset=Policy.objects.filter(active=True),
        required=False,
        help_text=_("协助申请政策时选择"),
    )
    outcome = forms.CharField(
        label=_("服务结果"), max_length=200, required=False, help_text=_("本人可在网上查询看到")
    )
    internal_note = forms.CharField(
        label=_("内部备注"),
        max_length=300,
        required=False,
        validators=[validate_text_block],
        help_text=_("仅工作人员可见"),
    )


class PolicyIntroduceForm(forms.Form):
    policy = forms.ModelChoiceField(label=_("政策"), queryset=Policy.objects.filter(active=True))
    note = forms.CharField(label=_("备注"), max_length=200, required=False, validators=[validate_text_block])


class PolicyStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=PolicyIntroduction.Status.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False, validators=[validate_text_block])


def caseworkers_in_scope(user) -> list[User]:
    """Active caseworkers of offices in the supervisor's region (who may be made responsible)."""
    regions = visible_regions(user).values("code")
    return list(
        User.objects.filter(
            is_active=True, groups__name=Role.CASEWORKER, office__is_active=True, office__region__in=regions
        )
        .select_related("office")
        .order_by("office__name", "username")
        .distinct()
    )


class ReassignForm(FocusFirstMixin, PlainMessagesMixin, forms.Form):
    """A supervisor moves the cases ticked on the list (``case`` checkboxes, read by the view) to a caseworker."""

    focus_field = "responsible"

    responsible = forms.ChoiceField(label=_("调整为责任经办人"))
    reason = forms.CharField(label=_("调整原因"), max_length=200, validators=[validate_text_block])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.caseworkers = {str(u.pk): u for u in caseworkers_in_scope(user)}
        choice_field(self, "responsible").choices = _blank() + [
            (pk, f"{u}（{u.office.name if u.office else ''}）") for pk, u in self.caseworkers.items()
        ]
