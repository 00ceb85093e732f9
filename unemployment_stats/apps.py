from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnemploymentStatsConfig(AppConfig):
    """Monthly statistics (21st-20th period). Not named `statistics`: that would shadow the standard library."""

    name = "unemployment_stats"
    verbose_name = _("登记失业统计")
