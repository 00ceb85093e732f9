"""How stage 2 (服务) plugs into the site shell (portal.plugins): navigation, role permissions, the follow-up
panel on the home page, its part of the person timeline and its demo data."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import Clock, NavItem, Plugin

VIEW = [
    "followup.view_case",
    "followup.view_contactattempt",
    "followup.view_monthlyfollowup",
    "followup.view_servicedelivery",
    "followup.view_policyintroduction",
    "followup.view_service",
    "followup.view_policy",
]
CASEWORK = [
    *VIEW,
    "followup.add_contactattempt",
    "followup.change_case",  # the tier
    "followup.change_monthlyfollowup",
    "followup.add_servicedelivery",
    "followup.add_policyintroduction",
    "followup.change_policyintroduction",
]

plugin = Plugin(
    nav=[
        NavItem(_("首次联系"), "followup:first_contacts", perm="followup.view_case"),
        NavItem(_("月度跟踪"), "followup:monthly", perm="followup.view_monthlyfollowup"),
    ],
    role_permissions={
        Role.CASEWORKER: CASEWORK,
        # Supervisors see their region by caseworker and reassign (one person or a list, with history).
        Role.SUPERVISOR: [*VIEW, "followup.view_assignment", "followup.add_assignment"],
        # The service and policy lists are kept by administrators, in the admin site.
        Role.ADMINISTRATOR: [
            "followup.view_service",
            "followup.add_service",
            "followup.change_service",
            "followup.view_policy",
            "followup.add_policy",
            "followup.change_policy",
        ],
    },
    clocks=[
        Clock(
            name="followup.first_contact",
            label=_("首次联系"),
            rule=_("登记后5个工作日内首次联系（通知三）"),
            items="followup.clocks.open_first_contacts",
            due="first_contact_due_at",
            region="region",
            office="registration__office",
            responsible="responsible",
            row="followup.clocks.case_row",
            select=("registration__person", "registration__office", "responsible"),
            history="followup.clocks.all_cases",
            done="first_contact_at",
            list_url="followup:first_contacts",
            perm="followup.view_case",
        ),
        Clock(
            name="followup.monthly",
            label=_("本月跟踪调查"),
            rule=_("每月最后一个工作日前完成（通知四）"),
            items="followup.clocks.open_followups_this_month",
            due="due_on",
            region="case__region",
            office="case__registration__office",
            responsible="case__responsible",
            row="followup.clocks.followup_row",
            select=("case__registration__person", "case__registration__office", "case__responsible"),
            history="followup.clocks.all_followups",
            done="done_at",
            list_url="followup:monthly",
            perm="followup.view_monthlyfollowup",
        ),
    ],
    home_panels=["followup.home.followup_panel"],
    timeline_providers=["followup.selectors.followup_timeline"],
    person_sections=["followup.selectors.person_section"],
    progress_providers=["followup.selectors.public_services"],
    demo_data="followup.demo.load_demo_followup",
    bench_data="followup.bench.prepare",
)
