"""How stage 3 (退出) plugs into the site shell (portal.plugins): navigation, role permissions, the exit section
of the person page and its part of the person timeline. Caseworkers deregister (codes 31/32/90 are proposals);
supervisors approve or return those proposals (``services.exit_approve`` also checks the role). Caseworkers
confirm or dismiss the follow-up's exit proposals (found work → 11, started a business → 12) on their worklist.
Supervisors cancel an exit before its upload and move a registration to another office of the province
(registration's ``Transfer``, whose permissions are granted here with the pages that use them). Everyone of the
stage reads the exits list (masked xlsx); supervisors also export it with full numbers, each row a logged reveal."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import NavItem, Plugin

plugin = Plugin(
    nav=[
        NavItem(
            _("注销审批"), "deregistration:approvals", perm="deregistration.change_exit"
        ),  # supervisors only
        NavItem(_("注销提议"), "deregistration:proposals", perm="deregistration.add_exit"),  # caseworkers
        NavItem(_("注销名单"), "deregistration:exits", perm="deregistration.view_exit"),
        NavItem(_("登记转移"), "deregistration:transfers", perm="registration.view_transfer"),
    ],
    role_permissions={
        Role.CASEWORKER: [
            "deregistration.view_exit",
            "deregistration.add_exit",
            "deregistration.view_proposaldismissal",
            "deregistration.add_proposaldismissal",
            "registration.view_transfer",
        ],
        Role.SUPERVISOR: [
            "deregistration.view_exit",
            "deregistration.change_exit",
            "deregistration.export_exit_id_numbers",
            "registration.view_transfer",
            "registration.add_transfer",
        ],
    },
    timeline_providers=["deregistration.selectors.deregistration_timeline"],
    person_sections=["deregistration.selectors.person_section"],
    progress_providers=["deregistration.selectors.public_exit"],
    demo_data="deregistration.demo.load_demo_exits",
)
