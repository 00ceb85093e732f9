from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    """Regions (GB/T 2260), offices and staff users, roles, and the one region-scoping helper."""

    name = "offices"
    verbose_name = _("区划与经办机构")

    def ready(self) -> None:
        from . import security  # noqa: F401  (connects the failed sign-in log)
