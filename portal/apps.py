from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The site shell: home page, navigation, role sync and demo loader, fed by each stage's plugins.py."""

    name = "portal"
    verbose_name = _("站点")

    def ready(self) -> None:
        from .roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="portal.sync_roles")
