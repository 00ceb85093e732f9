"""How the national sync plugs into the site shell (portal.plugins): the ops page of the daily upload to the
ministry platform (queues, runs, health, resend, the day's xlsx for a manual upload), the ops page of the
national platform exchange (national applications parked and retried, the push queues of decisions and local
registrations), and the clock of exit records not yet acknowledged (``clocks.py``) on the deadline dashboard."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import Clock, NavItem, Plugin

plugin = Plugin(
    nav=[
        NavItem(
            _("部级平台上传"),
            "national_sync:dashboard",
            perm="national_sync.view_exitupload",
            roles=(Role.OPS,),
            ops_tool=True,
        ),
        NavItem(
            _("全国平台数据交换"),
            "national_sync:exchange",
            perm="national_sync.view_nationalapplication",
            roles=(Role.OPS,),
            ops_tool=True,
        ),
    ],
    timeline_providers=[
        "national_sync.selectors.upload_timeline",
        "national_sync.exchange_selectors.exchange_timeline",
    ],
    clocks=[
        Clock(
            name="national_sync.upload",
            label=_("部级平台确认接收"),
            rule=_("注销生效后第1个工作日内由部级平台确认接收"),
            items="national_sync.clocks.unacknowledged",
            due="ack_due_on",
            region="region",
            office="exit__registration__office",
            row="national_sync.clocks.record_row",
            select=("exit__registration__person",),
            history="national_sync.clocks.all_records",
            done="acknowledged_at",
        )
    ],
    role_permissions={
        Role.OPS: [
            "national_sync.view_exitupload",
            "national_sync.change_exitupload",
            "national_sync.export_exitupload",
            "national_sync.view_nationalapplication",
            "national_sync.change_nationalapplication",
            "national_sync.view_nationalpush",
            "national_sync.change_nationalpush",
        ],
    },
)
