"""How the deadline machinery plugs into the site shell: the dashboard in the navigation for supervisors (the
alert inbox is in the header for everyone, ``deadlines.context_processors.alerts``)."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import NavItem, Plugin

plugin = Plugin(
    nav=[NavItem(_("时限看板"), "deadlines:dashboard", perm="deadlines.view_dashboard")],
    role_permissions={Role.SUPERVISOR: ["deadlines.view_dashboard"]},
    demo_data="deadlines.demo.load_demo_deadlines",  # after the stages' demo people (INSTALLED_APPS order)
)
