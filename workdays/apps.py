from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The official working-day calendar and deadline arithmetic."""

    name = "workdays"
    verbose_name = _("工作日历")
