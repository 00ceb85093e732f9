"""Stages plug into the site from their own folder (plugins.py, jobs.py): the shared apps and the site shell
name no stage, and a stage that exists only in the test settings (tests/example_stage) gets its navigation
entry, its permission, its home panel, its timeline entries and its scheduled job without any shared code
knowing it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from common.jobs import beat_schedule, registered_jobs
from offices.models import Region
from offices.roles import ROLE_PERMISSIONS, Role
from portal.plugins import demo_loaders, plugins
from portal.roles import declared_role_permissions, sync_roles
from registration.selectors import person_timeline
from registration.services import PersonData, person_save

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("registration", "followup", "deregistration", "national_sync", "unemployment_stats")
SHARED = ("common", "offices", "workdays", "codes", "portal")


def stage_references(app: str) -> list[str]:
    """Imports of a stage, and strings naming one ("registration:…", "registration.…"), outside docstrings
    and migrations; `{% url 'registration:…' %}` in templates."""
    alternatives = "|".join(STAGES)
    named = re.compile(rf"^({alternatives})([:.][A-Za-z_]|$)")
    hits = []
    for path in sorted((ROOT / app).rglob("*")):
        if "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix == ".html" and re.search(rf"\{{%\s*url\s+['\"]({alternatives}):", path.read_text()):
            hits.append(str(path))
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif (
                isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            ):
                names = [node.value]
            else:
                continue
            hits.extend(f"{path}:{node.lineno}: {name}" for name in names if named.match(name))
    return hits


@pytest.mark.parametrize("app", SHARED)
def test_the_shared_apps_and_the_site_shell_name_no_stage(app):
    assert stage_references(app) == []


def test_it_finds_the_stage_that_only_the_test_settings_install():
    assert [p.app_label for p in plugins()][-1] == "example_stage"
    assert ("registration", "registration.demo.load_demo_people") in [
        (label, f"{f.__module__}.{f.__name__}") for label, f in demo_loaders()
    ]


@pytest.mark.django_db
def test_it_grants_each_role_the_permissions_the_shared_apps_and_the_stages_declare():
    sync_roles()
    declared = declared_role_permissions()
    assert set(declared) == set(Role.values)
    for role, perms in declared.items():
        group = Group.objects.get(name=role)
        got = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert got == set(perms)
    assert set(ROLE_PERMISSIONS[Role.CASEWORKER]) < set(declared[Role.CASEWORKER])
    assert "example_stage.use_example" in declared[Role.CASEWORKER]
    assert "registration.add_application" in declared[Role.CASEWORKER]
    assert "registration.add_application" not in declared[Role.SUPERVISOR]


@pytest.mark.django_db
def test_a_new_stage_shows_its_navigation_entry_and_panel_to_the_role_it_declares(
    client, caseworker_jiefang, supervisor_jiaozuo
):
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("example_stage:index")}">示例阶段</a>' in html
    assert '<section class="card" id="panel-example">' in html
    assert client.get(reverse("example_stage:index")).status_code == 200
    client.force_login(supervisor_jiaozuo)
    html = client.get(reverse("home")).content.decode()
    assert "示例阶段" not in html and "panel-example" not in html
    assert client.get(reverse("example_stage:index")).status_code == 403


@pytest.mark.django_db
def test_a_new_stage_adds_to_the_person_timeline(office_jiefang):
    person = person_save(
        data=PersonData(id_type="01", id_number="11010519491231002X", name="张三"),
        region=Region.objects.get(code="410802"),
    )
    titles = [entry.title for entry in person_timeline(person)]
    assert titles[0] == "示例阶段的记录"  # dated 2026-01-02, before anything else


def test_a_new_stage_declares_its_scheduled_job_once():
    assert registered_jobs()["example_stage.tick"].schedule_text == "daily at 02:30"
    assert beat_schedule()["example_stage.tick"]["args"] == ["example_stage.tick"]


@pytest.mark.django_db
def test_ops_see_the_stage_ops_tools_on_their_home_page(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    html = client.get(reverse("home")).content.decode()
    panel = html[html.index('id="panel-ops"') :]
    assert f'<a href="{reverse("registration:import_list")}">数据导入</a>' in panel


@pytest.mark.django_db
def test_a_new_stage_marks_registrations_on_the_lists(client, caseworker_jiefang):
    from registration.services import application_register
    from tests.registration.factories import person_data, submit

    marked = application_register(
        application=submit(user=caseworker_jiefang, person=person_data(name="示例标记")),
        user=caseworker_jiefang,
    )
    plain = application_register(
        application=submit(user=caseworker_jiefang, person=person_data(name="示例普通")),
        user=caseworker_jiefang,
    )
    client.force_login(caseworker_jiefang)
    html = client.post(reverse("registration:person_search"), {"q": "示例"}).content.decode()
    rows = {
        name: html[html.index(name) : html.index("</tr>", html.index(name))]
        for name in ("示例标记", "示例普通")
    }
    assert "示例阶段标记" in rows["示例标记"] and "示例阶段标记" not in rows["示例普通"]
    page = client.get(reverse("registration:person_detail", args=[marked.person.code])).content.decode()
    row = page[page.index(f'id="registration-{marked.number}"') :]
    assert "示例阶段标记" in row[: row.index("</tr>")]
    page = client.get(reverse("registration:person_detail", args=[plain.person.code])).content.decode()
    assert "示例阶段标记" not in page
