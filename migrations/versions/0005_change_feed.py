"""change feed: the changes table, filled by triggers on every resource table

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 23:40:00+00:00

Every insert, update and delete of a resource table records, in the same transaction, which
resources it changed: the row's own resource and, for rows other resources show (enrollments
in a program's counts, members in a group, areas in a program's list), those resources too.
Triggers see every writer (the API, bulk inserts, the CLI, later migrations), so the feed
cannot miss one. Rows that exist already are recorded once, before everything else.

On SQLite, a later migration that rebuilds one of these tables (batch mode) drops its
triggers and must create them again (`create_sqlite_triggers`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table -> the (resource type, key column) pairs a write to one of its rows changes.
TRACKED: dict[str, list[tuple[str, str]]] = {
    "organizations": [("organization", "id")],
    "areas": [("area", "code")],
    "programs": [("program", "id")],
    "program_partners": [("program", "program_id")],
    "program_areas": [("program", "program_id")],
    "enrollments": [("enrollment", "id"), ("program", "program_id")],
    "participants": [("participant", "id")],
    "group_members": [("participant", "group_id"), ("participant", "member_id")],
    "infrastructure_projects": [("infrastructure_project", "id")],
    "infrastructure_project_areas": [("infrastructure_project", "project_id")],
    "consultations": [("consultation", "id"), ("infrastructure_project", "project_id")],
    "contributions": [("contribution", "id"), ("infrastructure_project", "project_id")],
    "feedback": [("feedback", "id")],
    "surveys": [("survey", "id")],
    "survey_versions": [("survey", "survey_id")],
}

# Statement-level: one INSERT per statement and key column, from the transition tables, so a
# bulk insert of a thousand rows costs one statement here, not a thousand.
PG_FUNCTION = """
CREATE FUNCTION record_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    source text;
BEGIN
    FOR pair IN 0 .. TG_NARGS / 2 - 1 LOOP
        source := CASE TG_OP
            WHEN 'INSERT' THEN format('SELECT %1$I AS key FROM new_rows', TG_ARGV[2 * pair + 1])
            WHEN 'DELETE' THEN format('SELECT %1$I AS key FROM old_rows', TG_ARGV[2 * pair + 1])
            ELSE format(
                'SELECT %1$I AS key FROM new_rows UNION SELECT %1$I FROM old_rows',
                TG_ARGV[2 * pair + 1]
            )
        END;
        EXECUTE format(
            'INSERT INTO changes (txid, resource_type, resource_id) '
            'SELECT pg_current_xact_id()::text::bigint, %L, CAST(key AS text) '
            'FROM (SELECT DISTINCT key FROM (%s) AS written WHERE key IS NOT NULL) AS keys',
            TG_ARGV[2 * pair], source
        );
    END LOOP;
    RETURN NULL;
END
$$
"""

PG_EVENTS = {
    "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
}


def _pg_triggers() -> list[str]:
    statements = []
    for table, pairs in TRACKED.items():
        arguments = ", ".join(f"'{value}'" for pair in pairs for value in pair)
        for event, when in PG_EVENTS.items():
            statements.append(
                f"CREATE TRIGGER record_changes_after_{event} {when.format(table=table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION record_changes({arguments})"
            )
    return statements


def _sqlite_insert(resource_type: str, value: str, condition: str) -> str:
    return (
        "INSERT INTO changes (txid, resource_type, resource_id) "
        f"SELECT 0, '{resource_type}', CAST({value} AS TEXT) WHERE {condition};"
    )


def create_sqlite_triggers(table: str) -> list[str]:
    """Row-level triggers (SQLite has no others) recording the changes of `table`."""
    pairs = TRACKED[table]
    on_insert = [
        _sqlite_insert(kind, f"NEW.{key}", f"NEW.{key} IS NOT NULL") for kind, key in pairs
    ]
    on_delete = [
        _sqlite_insert(kind, f"OLD.{key}", f"OLD.{key} IS NOT NULL") for kind, key in pairs
    ]
    on_update = on_insert + [
        _sqlite_insert(kind, f"OLD.{key}", f"OLD.{key} IS NOT NULL AND OLD.{key} IS NOT NEW.{key}")
        for kind, key in pairs
    ]
    return [
        f"CREATE TRIGGER record_changes_{table}_after_{event} AFTER {event.upper()} ON {table} "
        f"BEGIN {' '.join(body)} END"
        for event, body in (("insert", on_insert), ("update", on_update), ("delete", on_delete))
    ]


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index("ix_changes_position", ["txid", "seq"], unique=False)

    # What exists already comes first, as if written before any transaction the feed sees.
    for table, pairs in TRACKED.items():
        kind, key = pairs[0]
        if key in {"id", "code"}:
            # Names and types from TRACKED above, never from input.
            op.execute(
                "INSERT INTO changes (txid, resource_type, resource_id) "  # noqa: S608
                f"SELECT 0, '{kind}', CAST({key} AS TEXT) FROM {table} ORDER BY {key}"
            )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for statement in _pg_triggers():
            op.execute(statement)
    else:
        for table in TRACKED:
            for statement in create_sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRACKED:
            for event in PG_EVENTS:
                op.execute(f"DROP TRIGGER record_changes_after_{event} ON {table}")
        op.execute("DROP FUNCTION record_changes()")
    else:
        for table in TRACKED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER record_changes_{table}_after_{event}")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_position")
    op.drop_table("changes")
