"""Keep the role groups and their permissions equal to offices.roles.ROLE_PERMISSIONS after every migrate."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission


def sync_roles() -> None:
    """Create the role groups and set exactly the permissions ROLE_PERMISSIONS lists. Idempotent."""
    from .roles import ROLE_PERMISSIONS

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            try:
                wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
            except Permission.DoesNotExist:
                raise LookupError(f"offices.roles: unknown permission {dotted!r} for role {role}") from None
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # post_migrate is sent once per installed app that has a models module, in INSTALLED_APPS order (also
    # after `flush`); every app's permissions exist only when the last such app's turn comes.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        sync_roles()
