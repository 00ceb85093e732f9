"""The audit trail cannot be rewritten by the application: web, worker and beat connect as a role that can
write history but not alter or delete it, its context or any other append-only table, nor switch the history
triggers off (checked against the real database, as that role)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction
from psycopg import errors, sql

from common.dbroles import CONTEXT_TABLE, append_only_tables, grant_app_role
from common.history import history_context, history_for
from offices.models import Office


def app_role() -> str:
    return f"ur_app_{uuid.uuid4().hex[:8]}"


def as_role(role: str):
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))


def refused(statement: str) -> bool:
    """True if the database refuses ``statement`` for lack of privilege or ownership (in a savepoint)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except ProgrammingError as exc:
        return isinstance(exc.__cause__, errors.InsufficientPrivilege)
    return False


def test_it_knows_the_append_only_tables():
    tables = append_only_tables()
    assert (
        CONTEXT_TABLE in tables and "offices_officeevent" in tables and "workdays_calendardayevent" in tables
    )
    assert "offices_office" not in tables


@pytest.mark.django_db
def test_the_app_role_writes_history_but_cannot_rewrite_or_disable_it(office_jiefang):
    role = app_role()
    grant_app_role(role, password="not-used-here-1A")
    as_role(role)

    with history_context(source="test:app-role"):
        office = Office.objects.create(code="T-ROLE", name="角色测试机构", region_id="410802")
        office.name = "角色测试机构（改名）"
        office.save()
    events = history_for(office)
    assert [e["label"] for e in events] == ["update", "insert"] and events[0]["source"] == "test:app-role"

    assert refused("UPDATE offices_officeevent SET name = 'forged'")
    assert refused("DELETE FROM offices_officeevent")
    assert refused("TRUNCATE offices_officeevent")
    assert refused(f"UPDATE {CONTEXT_TABLE} SET metadata = '{{}}'")
    assert refused(f"DELETE FROM {CONTEXT_TABLE}")
    assert refused("ALTER TABLE offices_office DISABLE TRIGGER ALL")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'offices_officeevent'::regclass AND NOT tgisinternal"
        )
        (append_only_trigger,) = cursor.fetchone()
    assert refused(f"DROP TRIGGER {append_only_trigger} ON offices_officeevent")
    assert refused(
        "CREATE OR REPLACE FUNCTION _pgh_attach_context() RETURNS uuid AS 'SELECT NULL::uuid' LANGUAGE sql"
    )
    assert refused("CREATE TABLE sneaky (id int)")
    # ...while ordinary tables stay writable.
    assert not refused("UPDATE offices_office SET phone = '0391-1234567' WHERE code = 'T-ROLE'")


def test_a_past_context_cannot_be_rewritten_through_the_history_function(committed_db):
    role = app_role()
    try:
        grant_app_role(role, password="not-used-here-1A")
        context_id = str(uuid.uuid4())
        with connection.cursor() as cursor:  # a context written by an earlier transaction
            cursor.execute(
                f"INSERT INTO {CONTEXT_TABLE} (id, metadata, created_at, updated_at) "
                "VALUES (%s, '{\"user\": 1}', now(), now())",
                [context_id],
            )
        with transaction.atomic(), connection.cursor() as cursor:
            as_role(role)
            cursor.execute(
                "SELECT set_config('pghistory.context_id', %s, true), "
                "set_config('pghistory.context_metadata', '{\"user\": 999}', true)",
                [context_id],
            )
            cursor.execute("SELECT _pgh_attach_context()")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT metadata FROM {CONTEXT_TABLE} WHERE id = %s", [context_id])
            assert json.loads(cursor.fetchone()[0]) == {"user": 1}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.mark.django_db
def test_the_command_creates_the_login_role_and_refuses_an_empty_password(monkeypatch, capsys):
    role = app_role()
    monkeypatch.setenv("TEST_APP_DB_PASSWORD", "Str0ng-enough")
    call_command("grant_app_role", role, "--password-env", "TEST_APP_DB_PASSWORD")
    assert "append-only" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (True, False)
    monkeypatch.setenv("EMPTY_PASSWORD", "")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="EMPTY_PASSWORD is empty"):
        call_command("grant_app_role", role, "--password-env", "EMPTY_PASSWORD")
