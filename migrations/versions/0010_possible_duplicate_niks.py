"""participants: a person registered with a NIK another live person holds may be flagged

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:00:00+00:00

A client that may not see the person already holding a NIK (outside its areas, or without
`participants:pii`) is no longer refused with 409, which told it that the NIK exists: the new
person is stored with `possible_duplicate_of` naming the holder, for an operator to review.
The NIK digest stays unique among live persons not so flagged; a plain index on it serves
look-ups and duplicate checks, which the narrower unique index no longer matches.

The downgrade restores the unique index over all live persons, and so refuses, changing
nothing, while two live persons share a NIK: resolve those first (`sofifi-api participants
duplicates` lists them), rather than lose either.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("deleted_at IS NULL")
_LIVE_UNFLAGGED = sa.text("deleted_at IS NULL AND possible_duplicate_of IS NULL")


def upgrade() -> None:
    # Plain ALTERs, no table copy on SQLite: the change feed's triggers stay on the table.
    op.add_column("participants", sa.Column("possible_duplicate_of", sa.Uuid(), nullable=True))
    op.create_index("ix_participants_nik_digest", "participants", ["nik_digest"], unique=False)
    op.drop_index("uq_participants_nik_digest_live", table_name="participants")
    op.create_index(
        "uq_participants_nik_digest_live",
        "participants",
        ["nik_digest"],
        unique=True,
        sqlite_where=_LIVE_UNFLAGGED,
        postgresql_where=_LIVE_UNFLAGGED,
    )


def downgrade() -> None:
    shared = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM (SELECT nik_digest FROM participants "
            "WHERE deleted_at IS NULL AND nik_digest IS NOT NULL "
            "GROUP BY nik_digest HAVING count(*) > 1) AS shared"
        )
    )
    if shared.scalar_one():
        raise RuntimeError(
            "Live persons share a NIK (possible duplicates); resolve them before downgrading "
            "(sofifi-api participants duplicates lists them)."
        )
    op.drop_index("uq_participants_nik_digest_live", table_name="participants")
    op.create_index(
        "uq_participants_nik_digest_live",
        "participants",
        ["nik_digest"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )
    op.drop_index("ix_participants_nik_digest", table_name="participants")
    with op.batch_alter_table("participants", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("possible_duplicate_of")
