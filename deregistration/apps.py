from django.apps import AppConfig


class DeregistrationConfig(AppConfig):
    """Stage 3: exit from registration (退出)."""

    name = "deregistration"
    verbose_name = "注销登记"
