from django.urls import reverse
from django.utils.translation import gettext as _

from offices.roles import Role

from .plugins import nav_items


def navigation(request) -> dict:
    """The navigation bar for the signed-in user: home, each stage's entries they may use, the admin site."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict[str, object]] = [{"label": _("首页"), "url": reverse("home"), "key": "home"}]
    for item in nav_items():
        if item.visible_to(user):
            items.append(
                {
                    "label": item.label,
                    "url": reverse(item.url_name),
                    "key": item.url_name.rpartition(":")[2],
                    "ops_tool": item.ops_tool,
                }
            )
    if user.is_staff and (user.has_role(Role.OPS) or user.has_role(Role.ADMINISTRATOR)):
        items.append({"label": _("系统管理"), "url": reverse("admin:index"), "key": "admin"})
    return {"nav_items": items}
