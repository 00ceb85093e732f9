from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeregistrationConfig(AppConfig):
    """Stage 3: exit from registration (退出)."""

    name = "deregistration"
    verbose_name = _("注销登记")

    def ready(self) -> None:
        from registration.signals import import_batch_done, registration_transferring

        from . import imports  # noqa: F401  (registers the exit proposal lists on stage 1's import job)
        from .receivers import comparison_import_done
        from .services import refuse_transfer_while_waiting

        registration_transferring.connect(
            refuse_transfer_while_waiting, dispatch_uid="deregistration.refuse_transfer_while_waiting"
        )
        # The exit proposal lists run on stage 1's import job: their kinds must be registered in every process
        # (web and worker) before a batch is processed. The receiver proposes 11/12 after a comparison import.
        import_batch_done.connect(
            comparison_import_done, dispatch_uid="deregistration.comparison_import_done"
        )
