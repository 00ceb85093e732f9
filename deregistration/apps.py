from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeregistrationConfig(AppConfig):
    """Stage 3: exit from registration (退出)."""

    name = "deregistration"
    verbose_name = _("注销登记")
