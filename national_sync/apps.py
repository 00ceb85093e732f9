from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalSyncConfig(AppConfig):
    """Exchange with the ministry collaboration platform and the national registration platform."""

    name = "national_sync"
    verbose_name = _("部省数据交换")
