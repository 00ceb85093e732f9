"""How stage 3 (退出) plugs into the site shell (portal.plugins): navigation, role permissions, the exit section
of the person page and its part of the person timeline. Caseworkers deregister (codes 31/32/90 are proposals);
supervisors approve or return those proposals (``services.exit_approve`` also checks the role). Caseworkers
confirm or dismiss the follow-up's exit proposals (found work → 11, started a business → 12) on their worklist."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import Clock, NavItem, Plugin

plugin = Plugin(
    nav=[
        NavItem(
            _("注销审批"), "deregistration:approvals", perm="deregistration.change_exit"
        ),  # supervisors only
        NavItem(_("注销提议"), "deregistration:proposals", perm="deregistration.add_exit"),  # caseworkers
    ],
    role_permissions={
        Role.CASEWORKER: [
            "deregistration.view_exit",
            "deregistration.add_exit",
            "deregistration.view_proposaldismissal",
            "deregistration.add_proposaldismissal",
        ],
        Role.SUPERVISOR: ["deregistration.view_exit", "deregistration.change_exit"],
    },
    clocks=[
        Clock(
            name="deregistration.approval",
            label=_("注销审批"),
            rule=_("提出后3个工作日内由主管审批（本系统规定）"),
            items="deregistration.clocks.waiting_for_approval",
            due="approval_due_at",
            region="region",
            office="registration__office",
            row="deregistration.clocks.exit_row",
            history="deregistration.clocks.all_with_approval",
            done="decided_at",
            list_url="deregistration:approvals",
            perm="deregistration.view_exit",
        )
    ],
    timeline_providers=["deregistration.selectors.deregistration_timeline"],
    person_sections=["deregistration.selectors.person_section"],
    progress_providers=["deregistration.selectors.public_exit"],
)
