from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    """Stage 1: people, applications and registrations (申请/登记)."""

    name = "registration"
    verbose_name = "失业登记"
