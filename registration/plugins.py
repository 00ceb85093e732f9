"""How stage 1 (申请/登记) plugs into the site shell (portal.plugins): navigation, role permissions, the intake
panel on the home page, its part of the person timeline and its demo data."""

from django.utils.translation import gettext_lazy as _

from offices.roles import Role
from portal.plugins import Clock, NavItem, Plugin

VIEW = [
    "registration.view_person",
    "registration.view_application",
    "registration.view_registration",
    "registration.view_bundlerequest",
]
CASEWORK = [
    *VIEW,
    "registration.add_application",
    "registration.change_application",
    "registration.change_person",
    "registration.change_registration",  # records the commitment a handed-over registration lacks
    "registration.add_bundlerequest",
    "registration.change_bundlerequest",
    "registration.reveal_id_number",
]

plugin = Plugin(
    nav=[
        NavItem(_("待办申请"), "registration:worklist", perm="registration.view_application"),
        NavItem(_("窗口受理"), "registration:application_new", perm="registration.add_application"),
        NavItem(_("人员查询"), "registration:person_search", perm="registration.view_person"),
        NavItem(
            _("数据导入"), "registration:import_list", perm="registration.view_importbatch", ops_tool=True
        ),
        NavItem(_("证件号码查看记录"), "registration:id_reveals", perm="registration.view_idreveal"),
    ],
    role_permissions={
        Role.CASEWORKER: CASEWORK,
        # Supervisors (and administrators) audit who saw full ID numbers: 证件号码查看记录.
        Role.SUPERVISOR: [*VIEW, "registration.reveal_id_number", "registration.view_idreveal"],
        Role.OPS: ["registration.view_importbatch", "registration.add_importbatch"],
        Role.ADMINISTRATOR: ["registration.view_idreveal"],
    },
    clocks=[
        Clock(
            name="registration.decision",
            label=_("申请办结"),
            rule=_("提交后3个工作日内办结（通知三）"),
            items="registration.clocks.pending_applications",
            due="due_at",
            region="region",
            office="office",
            responsible="received_by",
            row="registration.clocks.application_row",
            select=("person", "office"),
            history="registration.clocks.decided_or_pending",
            done="decided_at",
            list_url="registration:worklist",
            perm="registration.view_application",
        )
    ],
    home_panels=["registration.home.intake_panel"],
    timeline_providers=["registration.selectors.intake_timeline"],
    demo_data="registration.demo.load_demo_people",
)
