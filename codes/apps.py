from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesConfig(AppConfig):
    """Code tables (AAC058, AJC00A, ...) as editable data."""

    name = "codes"
    verbose_name = _("代码表")
