from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """Shared building blocks: base model, history helpers, health check, home page."""

    name = "common"
    verbose_name = _("通用")
