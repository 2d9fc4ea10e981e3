"""change feed: a program leaving an area is a delete of its enrollments there too

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 08:30:00+00:00

A client bound to areas sees an enrollment only while it sees both the enrollment's program and
its participant. 0006 records the enrollments of a participant that moves; this records those of
a program that loses an area as well (0007 recorded the program and its feedback only), so
that a client bound to the area left receives deletes for them.

On SQLite, a later migration that rebuilds `program_areas` (batch mode) drops these triggers
with the table's others and must create them again.
"""

# The SQL below is built from the names in this file only, never from input.
# ruff: noqa: S608

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "program_areas"
# The resources shown with a program: (type, table, column naming the program).
SHOWN_BEFORE = [("feedback", "feedback", "program_id")]
SHOWN = [*SHOWN_BEFORE, ("enrollment", "enrollments", "program_id")]


def _written(shown: list[tuple[str, str, str]], left: str, txid: str, cast: str) -> str:
    """SELECT of the change rows for the (program_id, area_code) pairs of `left`."""
    kind, key = "program", "program_id"
    parts = [f"SELECT {txid}, '{kind}', CAST(gone.{key} AS {cast}), gone.area_code FROM {left}"]
    parts += [
        f"SELECT {txid}, '{child}', CAST(shown.id AS {cast}), gone.area_code "
        f"FROM {left} JOIN {child_table} AS shown ON shown.{column} = gone.{key}"
        for child, child_table, column in shown
    ]
    return " UNION ALL ".join(parts)


def _pg_function(shown: list[tuple[str, str, str]]) -> str:
    key = "program_id"
    txid = "pg_current_xact_id()::text::bigint"
    removed = f"(SELECT {key}, area_code FROM old_rows) AS gone"
    replaced = (
        f"(SELECT {key}, area_code FROM old_rows EXCEPT SELECT {key}, area_code FROM new_rows)"
        " AS gone"
    )
    insert = "INSERT INTO changes (txid, resource_type, resource_id, left_area_code) "
    return f"""
CREATE FUNCTION record_{TABLE}_left() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {insert}{_written(shown, removed, txid, "text")};
    ELSE
        {insert}{_written(shown, replaced, txid, "text")};
    END IF;
    RETURN NULL;
END
$$
"""


def _pg_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER record_{TABLE}_left_after_delete AFTER DELETE ON {TABLE} "
        f"REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION record_{TABLE}_left()",
        f"CREATE TRIGGER record_{TABLE}_left_after_update AFTER UPDATE ON {TABLE} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION record_{TABLE}_left()",
    ]


def _sqlite_triggers(shown: list[tuple[str, str, str]]) -> list[str]:
    key = "program_id"
    left = f"(SELECT OLD.{key} AS {key}, OLD.area_code AS area_code) AS gone"
    body = (
        "INSERT INTO changes (txid, resource_type, resource_id, left_area_code) "
        f"{_written(shown, left, '0', 'TEXT')};"
    )
    return [
        f"CREATE TRIGGER record_{TABLE}_left_after_delete AFTER DELETE ON {TABLE} BEGIN {body} END",
        f"CREATE TRIGGER record_{TABLE}_left_after_update AFTER UPDATE OF area_code ON {TABLE} "
        f"WHEN OLD.area_code IS NOT NEW.area_code BEGIN {body} END",
    ]


def _replace(shown: list[tuple[str, str, str]]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in ("delete", "update"):
        trigger = f"record_{TABLE}_left_after_{event}"
        op.execute(
            f"DROP TRIGGER {trigger} ON {TABLE}" if postgresql else f"DROP TRIGGER {trigger}"
        )
    if postgresql:
        op.execute(f"DROP FUNCTION record_{TABLE}_left()")
    statements = [_pg_function(shown), *_pg_triggers()] if postgresql else []
    for statement in statements or _sqlite_triggers(shown):
        op.execute(statement)


def upgrade() -> None:
    _replace(SHOWN)


def downgrade() -> None:
    _replace(SHOWN_BEFORE)
