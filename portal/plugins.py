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
- **bench_data**: ``() -> None``, the stage's data at benchmark scale beyond ``seed_scale`` (idempotent; the
  deadline scenarios call every stage's before timing).
- **home_panels**, **timeline_providers**, **demo_data**: dotted paths, imported on first use so that a
  plugins module stays cheap to import and free of import cycles.
- **person_sections**: ``(request, person) -> (template, context) | None``, a section of the person page.
- **list_badges**: ``(request, registration_ids: list[int]) -> dict[int, list[Badge]]``, marks on the rows of the
  lists of registrations and people (e.g. "an exit proposal waits"), one call per list, within the user's scope.
- **progress_providers**: ``(registration) -> list`` of items with ``on`` (a date), ``name`` and ``detail``: what
  the applicant's online progress page shows of the service they got (notice 六 "服务提供"; nothing internal).
- **clocks**: every item of the stage that has a deadline (``Clock``): where its open items are, which field
  holds the due time, who is responsible, which region and office it belongs to. The supervisors' dashboard, the
  escalation sweep, the alerts and the exports read only these declarations (``clocks()``); the state of an
  item (on time / due soon / due today / overdue) is ``common.urgency``'s.

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
class ClockRow:
    """One clocked item as the dashboard lists and exports it: its number, the person's name, the ID number
    *masked* (``common.privacy``), the page of the item and a short detail. Never a full ID number."""

    number: str
    name: str
    id_number: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Clock:
    """A deadline a stage keeps (notice 三/四): declared once in the stage's ``plugins.py``::

        Clock(
            name="registration.decision",          # stable: alerts refer to it
            label=_("申请办结（3个工作日）"),
            items="registration.clocks.pending_applications",   # () -> QuerySet of the open items, unscoped
            due="due_at",                          # DateTimeField or DateField (may follow relations)
            region="region", office="office",      # paths to the Region and Office (scoping, tables)
            responsible="received_by",             # path to the responsible user ("": the supervisors)
            row="registration.clocks.application_row",          # (item) -> ClockRow
            select=("person", "office"),           # select_related for a page of rows
            history="registration.clocks.all_applications",     # () -> every item ever clocked (on-time rates)
            done="decided_at",                     # when an item was done
            list_url="registration:worklist",      # the stage's own worklist (?due=overdue&office=ID)
            perm="registration.view_application",  # who may see the items
        )

    The dashboard scopes ``items()`` to the user's region through ``region`` (``offices.scoping``), counts it
    by ``common.urgency`` over ``due`` and lists it with ``row``. The due field needs an index matching the
    open items (a partial index): the sweep and the dashboard read it by due time.
    """

    name: str
    label: str | Promise
    items: str
    due: str
    region: str
    office: str
    row: str
    responsible: str = ""
    select: tuple[str, ...] = ()
    history: str = ""
    done: str = ""
    list_url: str = ""
    perm: str = ""
    rule: str | Promise = ""  # the due rule in words, shown on the dashboard

    def open_items(self) -> Any:
        """The open items (every region); callers scope them."""
        return import_string(self.items)()

    def all_items(self) -> Any:
        """Every item ever clocked, open and done (for on-time rates); None when the stage keeps no history."""
        return import_string(self.history)() if self.history else None

    def row_of(self, item: Any) -> ClockRow:
        return import_string(self.row)(item)

    def visible_to(self, user) -> bool:
        return not self.perm or user.has_perm(self.perm)


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
    clocks: Iterable[Clock] = ()
    demo_data: str | None = None
    bench_data: str | None = (
        None  # () -> None: the stage's data at scale for `make bench` (idempotent, untimed)
    )
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
                clocks=tuple(plugin.clocks),
                demo_data=plugin.demo_data,
                bench_data=plugin.bench_data,
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


def clocks() -> dict[str, Clock]:
    """Every stage's clocks by name, in INSTALLED_APPS order; a name declared twice is an error."""
    found: dict[str, Clock] = {}
    for plugin in plugins():
        for clock in plugin.clocks:
            if clock.name in found:
                raise ValueError(f"clock {clock.name!r} declared twice")
            found[clock.name] = clock
    return found


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


def bench_loaders() -> list[Callable[[], Any]]:
    """Each stage's bench data preparation (``bench_data``), in INSTALLED_APPS order: scenarios that read several
    stages (the deadline dashboard) call them all, untimed."""
    return [import_string(plugin.bench_data) for plugin in plugins() if plugin.bench_data]


def demo_loaders() -> list[tuple[str, Callable[[], int]]]:
    return [(plugin.app_label, import_string(plugin.demo_data)) for plugin in plugins() if plugin.demo_data]
