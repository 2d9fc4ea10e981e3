"""change feed: the areas a program or project leaves, for the clients bound to them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:40:00+00:00

A client bound to areas sees a program, and its feedback, only while the program targets one of
its areas; a project, and its consultations, contributions and feedback, only while the project
serves one. When an area is taken from a program or project, triggers record the program or
project and each of those resources once more with the area code it left
(`changes.left_area_code`, from 0006), so that a client bound to that area, which no longer
sees them, receives deletes.

On SQLite, a later migration that rebuilds `program_areas` or `infrastructure_project_areas`
(batch mode) drops these triggers with the table's others and must create them again.
"""

# The SQL below is built from the names in AREA_TABLES only, never from input.
# ruff: noqa: S608

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Area table -> (its resource type, its key column, the resources shown with it: (type, table,
# column naming the program or project)).
AREA_TABLES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "program_areas": ("program", "program_id", [("feedback", "feedback", "program_id")]),
    "infrastructure_project_areas": (
        "infrastructure_project",
        "project_id",
        [
            ("consultation", "consultations", "project_id"),
            ("contribution", "contributions", "project_id"),
            ("feedback", "feedback", "infrastructure_project_id"),
        ],
    ),
}


def _written(table: str, left: str, txid: str, cast: str) -> str:
    """SELECT of the change rows for the (key, area_code) pairs of `left`."""
    kind, key, shown = AREA_TABLES[table]
    parts = [f"SELECT {txid}, '{kind}', CAST(gone.{key} AS {cast}), gone.area_code FROM {left}"]
    parts += [
        f"SELECT {txid}, '{child}', CAST(shown.id AS {cast}), gone.area_code "
        f"FROM {left} JOIN {child_table} AS shown ON shown.{column} = gone.{key}"
        for child, child_table, column in shown
    ]
    return " UNION ALL ".join(parts)


def _pg_function(table: str) -> str:
    _, key, _ = AREA_TABLES[table]
    txid = "pg_current_xact_id()::text::bigint"
    removed = f"(SELECT {key}, area_code FROM old_rows) AS gone"
    replaced = (
        f"(SELECT {key}, area_code FROM old_rows EXCEPT SELECT {key}, area_code FROM new_rows)"
        " AS gone"
    )
    insert = "INSERT INTO changes (txid, resource_type, resource_id, left_area_code) "
    return f"""
CREATE FUNCTION record_{table}_left() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {insert}{_written(table, removed, txid, "text")};
    ELSE
        {insert}{_written(table, replaced, txid, "text")};
    END IF;
    RETURN NULL;
END
$$
"""


def _pg_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER record_{table}_left_after_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION record_{table}_left()",
        f"CREATE TRIGGER record_{table}_left_after_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION record_{table}_left()",
    ]


def _sqlite_triggers(table: str) -> list[str]:
    _, key, _ = AREA_TABLES[table]
    left = f"(SELECT OLD.{key} AS {key}, OLD.area_code AS area_code) AS gone"
    body = (
        "INSERT INTO changes (txid, resource_type, resource_id, left_area_code) "
        f"{_written(table, left, '0', 'TEXT')};"
    )
    return [
        f"CREATE TRIGGER record_{table}_left_after_delete AFTER DELETE ON {table} BEGIN {body} END",
        f"CREATE TRIGGER record_{table}_left_after_update AFTER UPDATE OF area_code ON {table} "
        f"WHEN OLD.area_code IS NOT NEW.area_code BEGIN {body} END",
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in AREA_TABLES:
        statements = [_pg_function(table), *_pg_triggers(table)] if postgresql else []
        for statement in statements or _sqlite_triggers(table):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in AREA_TABLES:
        for event in ("delete", "update"):
            trigger = f"record_{table}_left_after_{event}"
            op.execute(
                f"DROP TRIGGER {trigger} ON {table}" if postgresql else f"DROP TRIGGER {trigger}"
            )
        if postgresql:
            op.execute(f"DROP FUNCTION record_{table}_left()")
