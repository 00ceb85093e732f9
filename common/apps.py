from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared building blocks: base model, history helpers, health check, home page."""

    name = "common"
    verbose_name = "通用"
