"""How a lifecycle stage plugs into the site: one declaration per stage, in ``<app>/plugins.py``.

The shared apps never name a stage (DESIGN.md, Architecture). Instead each stage declares, in its own folder,
what it adds to the shared pages, and the site shell reads the declarations of every installed app:

    # followup/plugins.py
    from django.utils.translation import gettext_lazy as _
    from offices.roles import Role
    from portal.plugins import NavItem, Plugin

    plugin = Plugin(
        nav=[NavItem(_("首次联系"), "followup:first_contacts", perm="followup.view_contact")],
        role_permissions={Role.CASEWORKER: ["followup.view_contact", "followup.add_contact"]},
        home_panels=["followup.home.contact_panel"],          # (request) -> (template, context) | None
        timeline_providers=["followup.selectors.timeline"],  # (person) -> list[TimelineEntry]
        demo_data="followup.demo.load_demo_contacts",        # () -> int (rows added); idempotent
    )

- **nav**: entries of the top navigation, shown to users who hold ``perm`` (and, when ``roles`` is given, one
  of those roles); ``ops_tool`` entries are also listed on the ops card of the home page.
- **role_permissions**: ``"app_label.codename"`` per role. The shell syncs them into the role groups after
  every ``migrate`` (together with the shared apps' own, ``offices.roles.ROLE_PERMISSIONS``).
- **home_panels**, **timeline_providers**, **demo_data**: dotted paths, imported on first use so that a
  plugins module stays cheap to import and free of import cycles.
- **person_sections**: ``(request, person) -> (template, context) | None``, a section of the person page.
- **list_badges**: ``(request, registration_ids: list[int]) -> dict[int, list[Badge]]``, marks on the rows of the
  lists of registrations and people (e.g. "an exit proposal waits"), one call per list, within the user's scope.
- **progress_providers**: ``(registration) -> list`` of items with ``on`` (a date), ``name`` and ``detail``: what
  the applicant's online progress page shows of the service they got (notice 六 "服务提供"; nothing internal).

Periodic jobs are declared in ``<app>/jobs.py`` (``common.jobs.job``) and benchmark scenarios in
``<app>/bench.py``; everything else a stage adds to the shared pages is declared here. Declarations are read
in ``INSTALLED_APPS`` order, which is the order of the navigation, the home panels and the demo loaders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.module_loading import import_string, module_has_submodule

PLUGINS_MODULE = "plugins"


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar: its label, the URL name it leads to, and who sees it."""

    label: str | Promise
    url_name: str
    perm: str | None = None  # "app_label.codename" the user must hold
    roles: tuple[str, ...] = ()  # any of these roles (offices.roles.Role), if given
    ops_tool: bool = False  # also listed among the ops tools on the home page

    def visible_to(self, user) -> bool:
        if self.perm and not user.has_perm(self.perm):
            return False
        return not self.roles or any(user.has_role(role) for role in self.roles)


@dataclass(frozen=True)
class Badge:
    """A mark on a row of a list of registrations (``Plugin.list_badges``): a short label and, if given, the page
    it leads to."""

    label: str | Promise
    url: str = ""


@dataclass(frozen=True)
class Plugin:
    """What one stage adds to the shared pages (see the module docstring)."""

    nav: Iterable[NavItem] = ()
    role_permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    home_panels: Iterable[str] = ()
    timeline_providers: Iterable[str] = ()
    person_sections: Iterable[str] = ()
    progress_providers: Iterable[str] = ()
    list_badges: Iterable[str] = ()
    demo_data: str | None = None
    app_label: str = ""  # filled in by discovery


@cache
def plugins() -> tuple[Plugin, ...]:
    """The declaration of every installed app that has a ``plugins`` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not _is_stage_candidate(config) or not module_has_submodule(config.module, PLUGINS_MODULE):
            continue
        module = import_module(f"{config.name}.{PLUGINS_MODULE}")
        plugin = getattr(module, "plugin", None)
        if not isinstance(plugin, Plugin):
            raise TypeError(f"{config.name}.{PLUGINS_MODULE} must define `plugin = Plugin(...)`")
        found.append(
            Plugin(
                nav=tuple(plugin.nav),
                role_permissions={str(role): tuple(perms) for role, perms in plugin.role_permissions.items()},
                home_panels=tuple(plugin.home_panels),
                timeline_providers=tuple(plugin.timeline_providers),
                person_sections=tuple(plugin.person_sections),
                progress_providers=tuple(plugin.progress_providers),
                list_badges=tuple(plugin.list_badges),
                demo_data=plugin.demo_data,
                app_label=config.label,
            )
        )
    return tuple(found)


def _is_stage_candidate(config: AppConfig) -> bool:
    """An app of this project (not Django's nor a library's, such as django_otp.plugins) other than the shell."""
    top_level = config.name.split(".")[0]
    return config.name != __package__ and (Path(settings.BASE_DIR) / top_level / "__init__.py").is_file()


def _callables(paths: Iterable[str]) -> list[Callable[..., Any]]:
    return [import_string(path) for path in paths]


def nav_items() -> list[NavItem]:
    return [item for plugin in plugins() for item in plugin.nav]


def role_permissions() -> dict[str, list[str]]:
    """Every stage's permissions per role (role value → "app_label.codename" list)."""
    merged: dict[str, list[str]] = {}
    for plugin in plugins():
        for role, perms in plugin.role_permissions.items():
            merged.setdefault(role, []).extend(perms)
    return merged


def home_panels() -> list[Callable[[HttpRequest], tuple[str, dict] | None]]:
    return _callables(path for plugin in plugins() for path in plugin.home_panels)


def timeline_providers() -> list[Callable[[Any], list]]:
    return _callables(path for plugin in plugins() for path in plugin.timeline_providers)


def person_sections() -> list[Callable[[HttpRequest, Any], tuple[str, dict] | None]]:
    return _callables(path for plugin in plugins() for path in plugin.person_sections)


def progress_providers() -> list[Callable[[Any], list]]:
    return _callables(path for plugin in plugins() for path in plugin.progress_providers)


def list_badges(request: HttpRequest, registration_ids: Iterable[int]) -> dict[int, list[Badge]]:
    """Every stage's marks on the listed registrations (``Plugin.list_badges``): registration id → badges, in
    INSTALLED_APPS order; a registration no stage marks is absent."""
    ids = list(dict.fromkeys(registration_ids))
    merged: dict[int, list[Badge]] = {}
    if not ids:
        return merged
    for provider in _callables(path for plugin in plugins() for path in plugin.list_badges):
        for pk, badges in provider(request, ids).items():
            merged.setdefault(pk, []).extend(badges)
    return merged


def render_sections(
    providers: Iterable[Callable[..., tuple[str, dict] | None]], request: HttpRequest, *args
) -> list[str]:
    """The HTML of each provider's ``(template, context)`` for this request (home panels, person sections); a
    provider returning None adds nothing."""
    return [
        render_to_string(template, context, request=request)
        for provider in providers
        if (section := provider(request, *args)) is not None
        for template, context in [section]
    ]


def demo_loaders() -> list[tuple[str, Callable[[], int]]]:
    return [(plugin.app_label, import_string(plugin.demo_data)) for plugin in plugins() if plugin.demo_data]
