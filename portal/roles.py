"""Keep the role groups and their permissions equal to what the shared apps and the stages declare.

The shared apps' permissions per role are ``offices.roles.ROLE_PERMISSIONS``; each stage adds its own in its
``plugins.py`` (``Plugin.role_permissions``). ``sync_roles`` runs after every ``migrate`` (and ``flush``), so
a new stage's permissions reach every installation on the next deploy.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission

from offices.roles import ROLE_PERMISSIONS, Role

from .plugins import role_permissions


def declared_role_permissions() -> dict[str, list[str]]:
    """Role value → every "app_label.codename" it gets (shared apps first, then each stage)."""
    merged = {str(role): list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for role, perms in role_permissions().items():
        if role not in Role.values:
            raise LookupError(f"a plugin grants permissions to the unknown role {role!r}")
        merged.setdefault(role, []).extend(perms)
    return merged


def sync_roles() -> None:
    """Create the role groups and set exactly the declared permissions. Idempotent.

    An unknown permission is an error: a typo would otherwise silently grant nothing.
    """
    for role, perms in declared_role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in dict.fromkeys(perms):
            app_label, codename = dotted.split(".")
            try:
                wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
            except Permission.DoesNotExist:
                raise LookupError(f"unknown permission {dotted!r} declared for role {role}") from None
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # post_migrate is sent once per installed app that has a models module, in INSTALLED_APPS order (also
    # after `flush`); every app's permissions exist only when the last such app's turn comes.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        sync_roles()
