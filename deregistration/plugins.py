"""How stage 3 (退出) plugs into the site shell (portal.plugins): navigation, role permissions, the exit section
of the person page and its part of the person timeline. Caseworkers deregister (codes 31/32/90 are proposals);
supervisors approve or return those proposals (``services.exit_approve`` also checks the role)."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import NavItem, Plugin

plugin = Plugin(
    nav=[
        NavItem(
            _("注销审批"), "deregistration:approvals", perm="deregistration.change_exit"
        )  # supervisors only,
    ],
    role_permissions={
        Role.CASEWORKER: ["deregistration.view_exit", "deregistration.add_exit"],
        Role.SUPERVISOR: ["deregistration.view_exit", "deregistration.change_exit"],
    },
    timeline_providers=["deregistration.selectors.deregistration_timeline"],
    person_sections=["deregistration.selectors.person_section"],
    progress_providers=["deregistration.selectors.public_exit"],
)
