from django.apps import AppConfig


class CodesConfig(AppConfig):
    """Code tables (AAC058, AJC00A, ...) as editable data."""

    name = "codes"
    verbose_name = "代码表"
