"""How stage 2 (服务) plugs into the site shell (portal.plugins): navigation, role permissions, the follow-up
panel on the home page, its part of the person timeline and its demo data."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import NavItem, Plugin

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
    home_panels=["followup.home.followup_panel"],
    timeline_providers=["followup.selectors.followup_timeline"],
    person_sections=["followup.selectors.person_section"],
    progress_providers=["followup.selectors.public_services"],
    demo_data="followup.demo.load_demo_followup",
)
