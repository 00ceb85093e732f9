from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalSyncConfig(AppConfig):
    """Exchange with the ministry collaboration platform and the national registration platform: the daily
    upload of exits (``services.upload_exits``) through a replaceable transport (``transport``), with a simulator
    of the platform (``simulator``). Deregistration does not know this stage: it listens to deregistration's
    cancel signals to refuse cancelling an exit already sent and to withdraw a record not yet sent."""

    name = "national_sync"
    verbose_name = _("部省数据交换")

    def ready(self) -> None:
        from deregistration.signals import exit_cancelled, exit_cancelling

        from .services import upload_refuse_cancel, upload_withdraw

        exit_cancelling.connect(upload_refuse_cancel, dispatch_uid="national_sync.upload_refuse_cancel")
        exit_cancelled.connect(upload_withdraw, dispatch_uid="national_sync.upload_withdraw")
