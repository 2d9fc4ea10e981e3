"""idempotency: a kept answer names the person whose personal data it shows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:40:00+00:00

`idempotency_keys.participant_id` is set when the kept answer shows a person's NIK, phone or
birth date (a registration or look-up by a client granted `participants:pii`). Erasing that
person rewrites those answers, and a replay re-checks the caller before showing them again.
Answers kept before this revision name no one; they expire within a day.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participant_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_participant_id"))
        batch_op.drop_column("participant_id")
