from offices.roles import Role
from portal.plugins import NavItem, Plugin

plugin = Plugin(
    nav=[NavItem("示例阶段", "example_stage:index", perm="example_stage.use_example")],
    role_permissions={Role.CASEWORKER: ["example_stage.use_example", "example_stage.view_tick"]},
    home_panels=["tests.example_stage.views.panel"],
    timeline_providers=["tests.example_stage.views.timeline"],
    list_badges=["tests.example_stage.views.badges"],
)
