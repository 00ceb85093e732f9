"""How stage 3 (退出) plugs into the site shell (portal.plugins): navigation, role permissions, the exit section
of the person page and its part of the person timeline. Caseworkers deregister (codes 31/32/90 are proposals);
supervisors approve or return those proposals (``services.exit_approve`` also checks the role). Caseworkers
confirm or dismiss the exit proposals on their worklist (follow-up: found work → 11, started a business → 12;
comparison data: 21/24/25/26 from ops' imports, 11/12 from stage 1's comparison records); a registration with an
open proposal is marked on the lists (``list_badges``). Ops import the lists that propose exits.
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
        NavItem(
            _("注销比对数据导入"),
            "deregistration:imports",
            perm="deregistration.add_exitproposal",
            ops_tool=True,
        ),  # ops
    ],
    role_permissions={
        Role.CASEWORKER: [
            "deregistration.view_exit",
            "deregistration.add_exit",
            "deregistration.view_proposaldismissal",
            "deregistration.add_proposaldismissal",
            "deregistration.view_exitproposal",
            "deregistration.change_exitproposal",  # dismiss (不予注销); confirming is the exit form
            "registration.view_transfer",
        ],
        Role.SUPERVISOR: [
            "deregistration.view_exit",
            "deregistration.change_exit",
            "deregistration.export_exit_id_numbers",
            "registration.view_transfer",
            "registration.add_transfer",
        ],
        Role.OPS: ["deregistration.view_exitproposal", "deregistration.add_exitproposal"],  # the imports
    },
    list_badges=["deregistration.selectors.registration_badges"],
    timeline_providers=["deregistration.selectors.deregistration_timeline"],
    person_sections=["deregistration.selectors.person_section"],
    progress_providers=["deregistration.selectors.public_exit"],
    demo_data="deregistration.demo.load_demo_exits",
)
