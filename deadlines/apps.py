from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    """Deadlines across the lifecycle, read from the clocks every stage declares (``portal.plugins.Clock``): the
    supervisors' dashboard, the escalation sweep with its alerts and in-app inbox, the daily digest. A shared app:
    it never names a stage."""

    name = "deadlines"
    verbose_name = _("时限监督")
