from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """Stage 2: first contact, services and the monthly follow-up (服务)."""

    name = "followup"
    verbose_name = "跟踪服务"
