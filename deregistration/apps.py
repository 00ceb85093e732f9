from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeregistrationConfig(AppConfig):
    """Stage 3: exit from registration (退出)."""

    name = "deregistration"
    verbose_name = _("注销登记")

    def ready(self) -> None:
        from registration.signals import registration_transferring

        from .services import refuse_transfer_while_waiting

        registration_transferring.connect(
            refuse_transfer_while_waiting, dispatch_uid="deregistration.refuse_transfer_while_waiting"
        )
