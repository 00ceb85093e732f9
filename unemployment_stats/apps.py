from django.apps import AppConfig


class UnemploymentStatsConfig(AppConfig):
    """Monthly statistics (21st-20th period). Not named `statistics`: that would shadow the standard library."""

    name = "unemployment_stats"
    verbose_name = "登记失业统计"
