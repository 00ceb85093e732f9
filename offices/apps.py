from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    """Regions (GB/T 2260), offices and staff users, and the one region-scoping helper."""

    name = "offices"
    verbose_name = _("区划与经办机构")

    def ready(self) -> None:
        from .signals import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="offices.sync_roles")
