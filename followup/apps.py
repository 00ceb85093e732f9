from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """Stage 2: first contact, services and the monthly follow-up (服务)."""

    name = "followup"
    verbose_name = _("跟踪服务")
