from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """Stage 2: first contact, services and the monthly follow-up (服务)."""

    name = "followup"
    verbose_name = _("跟踪服务")

    def ready(self) -> None:
        from registration.signals import registration_reopened, registration_transferred

        from .receivers import case_follows_transfer, open_month_after_reopen

        registration_transferred.connect(case_follows_transfer, dispatch_uid="followup.case_follows_transfer")
        registration_reopened.connect(
            open_month_after_reopen, dispatch_uid="followup.open_month_after_reopen"
        )
