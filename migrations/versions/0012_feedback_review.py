"""feedback: a review status, who set it and when, and the history of reviews

Revision ID: 0012_feedback_review
Revises: 0011
Create Date: 2026-12-05 20:30:00+00:00

Every feedback, stored before or after, starts `received` (the column's default fills the rows
that exist). Reviews are kept in `feedback_reviews`, a plain table outside the change feed: a
review changes its feedback, whose own trigger records the change.

The downgrade drops the history and the three columns; every other column of every feedback
is kept as it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_feedback_review"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTERs, no table copy on SQLite: the change feed's triggers stay on the table.
    op.add_column(
        "feedback",
        sa.Column("review_status", sa.String(length=16), server_default="received", nullable=False),
    )
    op.add_column("feedback", sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("feedback", sa.Column("reviewed_by", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_feedback_review_status"), "feedback", ["review_status"], unique=False)

    op.create_table(
        "feedback_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("feedback_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_reviews_feedback_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_reviews")),
    )
    op.create_index(
        op.f("ix_feedback_reviews_feedback_id"), "feedback_reviews", ["feedback_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_reviews_feedback_id"), table_name="feedback_reviews")
    op.drop_table("feedback_reviews")
    op.drop_index(op.f("ix_feedback_review_status"), table_name="feedback")
    with op.batch_alter_table("feedback", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("review_status")
