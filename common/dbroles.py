"""The database role the running application uses, and what it may not do (等保2.0 level 3, 8.1.4.3 审计:
"应对审计记录进行保护，定期备份，避免受到未预期的删除、修改或覆盖").

Migrations run as the *owner* of the tables (in docker-compose.yml: the PostgreSQL user of the ``postgres``
service). The web, worker and beat processes connect as a second role, the *app role*, which
``grant_app_role`` gives exactly:

- read and write on every table, except the append-only ones: the history event tables, the history context
  (who, where) and every other table protected by an append-only trigger (pgtrigger ``Protect`` against
  UPDATE/DELETE, e.g. a reveal log): SELECT and INSERT only, no UPDATE, DELETE or TRUNCATE;
- the sequences (to number new rows) and the functions (the history triggers call them).

Not being the owner, the app role can neither ``ALTER TABLE … DISABLE TRIGGER`` nor drop or replace the
triggers and functions, so it cannot switch the history off. The history context is written by pghistory's
``_pgh_attach_context()``; it becomes ``SECURITY DEFINER`` (it runs as the owner) and may update only a
context row created in the current transaction, so the app role writes contexts without being able to rewrite
an earlier one.

    manage.py grant_app_role app_runtime                         # after every migrate, as the owner
    manage.py grant_app_role app_runtime --password-env APP_DB_PASSWORD   # also create/alter the login role
"""

from __future__ import annotations

import pgtrigger
from django.apps import apps
from django.db import connection
from psycopg import sql

CONTEXT_TABLE = "pghistory_context"  # pghistory.models.Context


def append_only_tables() -> list[str]:
    """Tables whose rows are never updated nor deleted: those with an append-only (Protect) trigger covering
    UPDATE or DELETE, and the history context."""
    tables = {CONTEXT_TABLE}
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", []):
            if isinstance(trigger, pgtrigger.Protect) and (
                "UPDATE" in str(trigger.operation) or "DELETE" in str(trigger.operation)
            ):
                tables.add(model._meta.db_table)
    return sorted(tables)


# pghistory's function, as installed by its migration, with two changes: SECURITY DEFINER (runs as the owner,
# so the app role needs no UPDATE on the context table) and an upsert that touches only a context created in
# this very transaction (xmin), so a context of the past cannot be rewritten through it.
ATTACH_CONTEXT_FUNCTION = """
CREATE OR REPLACE FUNCTION _pgh_attach_context()
RETURNS pghistory_context.id%TYPE AS $$
    DECLARE
        _pgh_context_id UUID;
        _pgh_context_metadata JSONB;
    BEGIN
        BEGIN
            SELECT INTO _pgh_context_id CURRENT_SETTING('pghistory.context_id');
            SELECT INTO _pgh_context_metadata CURRENT_SETTING('pghistory.context_metadata');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgh_context_id IS NOT NULL AND _pgh_context_metadata IS NOT NULL THEN
            INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
                VALUES (_pgh_context_id, _pgh_context_metadata, NOW(), NOW())
                ON CONFLICT (id) DO UPDATE
                    SET metadata = EXCLUDED.metadata, updated_at = EXCLUDED.updated_at
                    WHERE pghistory_context.metadata != EXCLUDED.metadata
                      AND pghistory_context.xmin::text = (pg_current_xact_id()::xid)::text;
            RETURN _pgh_context_id;
        ELSE
            RETURN NULL;
        END IF;
    END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp;
"""


def grant_app_role(role: str, *, password: str | None = None) -> dict[str, int]:
    """Give ``role`` what the running application needs and nothing that could rewrite the audit trail.

    Idempotent; run by the owner after every ``migrate`` (new tables need their grants). With ``password``
    the role is created (LOGIN) if missing, or its password set. Returns counts for the command's report.
    """
    ident = sql.Identifier(role)
    append_only = append_only_tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
        if password is not None:
            verb = sql.SQL("ALTER ROLE") if exists else sql.SQL("CREATE ROLE")
            cursor.execute(sql.SQL("{} {} LOGIN PASSWORD {}").format(verb, ident, sql.Literal(password)))
        elif not exists:
            raise ValueError(f"role {role!r} does not exist (pass a password to create it)")
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        schema_ident = sql.Identifier(schema)
        cursor.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), ident
            )
        )
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_ident, ident))
        cursor.execute(sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema_ident, ident))
        cursor.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema_ident, ident
            )
        )
        cursor.execute(
            sql.SQL("REVOKE TRUNCATE ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_ident, ident)
        )
        for table in append_only:
            cursor.execute(
                sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), ident)
            )
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                schema_ident, ident
            )
        )
        cursor.execute(
            sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {} TO {}").format(schema_ident, ident)
        )
        cursor.execute(ATTACH_CONTEXT_FUNCTION)
        cursor.execute(sql.SQL("GRANT EXECUTE ON FUNCTION _pgh_attach_context() TO {}").format(ident))
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        (tables,) = cursor.fetchone()
    return {"tables": tables, "append_only": len(append_only)}
