"""How the monthly statistics plug into the site shell (portal.plugins): the statistics page for supervisors and
ops (reports, trend, workbooks, the cleaning report), the urban employed entry for ops and the callback sample for
supervisors. Caseworkers have none of it."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import NavItem, Plugin

plugin = Plugin(
    nav=[
        NavItem(_("统计月报"), "unemployment_stats:index", perm="unemployment_stats.view_monthlyreport"),
        NavItem(
            _("城镇从业人员数"),
            "unemployment_stats:urban_employed",
            perm="unemployment_stats.add_urbanemployed",
            ops_tool=True,
        ),
    ],
    role_permissions={
        Role.SUPERVISOR: [
            "unemployment_stats.view_monthlyreport",
            "unemployment_stats.change_monthlyreport",
            "unemployment_stats.export_callback_sample",
            "unemployment_stats.view_urbanemployed",
            "unemployment_stats.view_reportreplacement",
        ],
        Role.OPS: [
            "unemployment_stats.view_monthlyreport",
            "unemployment_stats.change_monthlyreport",
            "unemployment_stats.view_urbanemployed",
            "unemployment_stats.add_urbanemployed",
            "unemployment_stats.change_urbanemployed",
            "unemployment_stats.view_duedate",
            "unemployment_stats.add_duedate",
            "unemployment_stats.change_duedate",
            "unemployment_stats.view_reportreplacement",
        ],
        Role.ADMINISTRATOR: ["unemployment_stats.view_monthlyreport"],
    },
    demo_data="unemployment_stats.demo.load_demo_stats",
)
