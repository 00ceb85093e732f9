from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    """Stage 1: people, applications and registrations (申请/登记). Plugs into the site in plugins.py."""

    name = "registration"
    verbose_name = _("失业登记")
