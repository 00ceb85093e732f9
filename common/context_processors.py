from django.urls import reverse
from django.utils.translation import gettext as _

from offices.roles import Role


def navigation(request) -> dict:
    """The navigation bar for the signed-in user's roles. Later stages add their entries here."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"label": _("首页"), "url": reverse("home"), "key": "home"}]
    if user.has_perm("registration.view_application"):
        items.append({"label": _("待办申请"), "url": reverse("registration:worklist"), "key": "worklist"})
    if user.has_perm("registration.add_application"):
        items.append(
            {"label": _("窗口受理"), "url": reverse("registration:application_new"), "key": "application_new"}
        )
    if user.has_perm("registration.view_person"):
        items.append(
            {"label": _("人员查询"), "url": reverse("registration:person_search"), "key": "person_search"}
        )
    if user.has_perm("registration.view_importbatch"):
        items.append(
            {"label": _("数据导入"), "url": reverse("registration:import_list"), "key": "import_list"}
        )
    if user.is_staff and (user.has_role(Role.OPS) or user.has_role(Role.ADMINISTRATOR)):
        items.append({"label": _("系统管理"), "url": reverse("admin:index"), "key": "admin"})
    return {"nav_items": items}
