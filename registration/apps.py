from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    """Stage 1: people, applications and registrations (申请/登记)."""

    name = "registration"
    verbose_name = _("失业登记")

    def ready(self) -> None:
        from common.home import register_panel

        from .home import intake_panel

        register_panel(intake_panel)
