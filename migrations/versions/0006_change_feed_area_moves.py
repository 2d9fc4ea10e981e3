"""change feed: the area a participant leaves, so that clients bound to it learn of the move

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:15:00+00:00

A client bound to areas sees a participant, and the participant's enrollments, only while the
participant is in one of its areas. When a participant's area changes, a trigger records the
participant and each of its enrollments once more, with the area code it left
(`changes.left_area_code`); the feed answers a client that no longer sees the resource, but was
bound to the area it left, with a delete, so that its copy drops it. Clients never bound to that
area are not told anything.

On SQLite, a later migration that rebuilds `participants` (batch mode) drops this trigger with
the table's others and must create it again (`SQLITE_TRIGGER`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE FUNCTION record_participant_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH moved AS (
        SELECT old_rows.id, old_rows.area_code AS left_area_code
        FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id
        WHERE old_rows.area_code IS NOT NULL
          AND old_rows.area_code IS DISTINCT FROM new_rows.area_code
    )
    INSERT INTO changes (txid, resource_type, resource_id, left_area_code)
    SELECT pg_current_xact_id()::text::bigint, kind, key, left_area_code
    FROM (
        SELECT 'participant' AS kind, CAST(moved.id AS text) AS key, moved.left_area_code
        FROM moved
        UNION ALL
        SELECT 'enrollment', CAST(enrollments.id AS text), moved.left_area_code
        FROM moved JOIN enrollments ON enrollments.participant_id = moved.id
    ) AS written;
    RETURN NULL;
END
$$
"""

PG_TRIGGER = (
    "CREATE TRIGGER record_participant_moves AFTER UPDATE ON participants "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_participant_moves()"
)

SQLITE_TRIGGER = """
CREATE TRIGGER record_participant_moves AFTER UPDATE OF area_code ON participants
WHEN OLD.area_code IS NOT NULL AND OLD.area_code IS NOT NEW.area_code
BEGIN
    INSERT INTO changes (txid, resource_type, resource_id, left_area_code)
    VALUES (0, 'participant', CAST(OLD.id AS TEXT), OLD.area_code);
    INSERT INTO changes (txid, resource_type, resource_id, left_area_code)
    SELECT 0, 'enrollment', CAST(id AS TEXT), OLD.area_code
    FROM enrollments WHERE participant_id = OLD.id;
END
"""


def upgrade() -> None:
    op.add_column("changes", sa.Column("left_area_code", sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER record_participant_moves ON participants")
        op.execute("DROP FUNCTION record_participant_moves()")
    else:
        op.execute("DROP TRIGGER record_participant_moves")
    # The moves stay recorded as plain changes of the participants and enrollments.
    op.drop_column("changes", "left_area_code")
