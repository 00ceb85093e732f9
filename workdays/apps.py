from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    """The official working-day calendar and deadline arithmetic."""

    name = "workdays"
    verbose_name = "工作日历"
