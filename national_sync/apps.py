from django.apps import AppConfig


class NationalSyncConfig(AppConfig):
    """Exchange with the ministry collaboration platform and the national registration platform."""

    name = "national_sync"
    verbose_name = "部省数据交换"
