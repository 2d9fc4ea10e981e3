import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from sofifi_api.db import TimestampedTable, UTCDateTime, utcnow


class FeedbackStatus(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    resolved = "resolved"


class Feedback(TimestampedTable, table=True):
    """A survey result or comment about exactly one program or one infrastructure project."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint(
            "(program_id IS NULL) <> (infrastructure_project_id IS NULL)", name="one_subject"
        ),
    )

    program_id: uuid.UUID | None = Field(default=None, foreign_key="programs.id", index=True)
    infrastructure_project_id: uuid.UUID | None = Field(
        default=None, foreign_key="infrastructure_projects.id", index=True
    )
    rating: int | None = None
    comment: str | None = Field(default=None, max_length=5000)
    area_code: str | None = Field(default=None, foreign_key="areas.code", max_length=40, index=True)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    client_ref: str | None = Field(default=None, max_length=100, index=True)
    status: FeedbackStatus = Field(default=FeedbackStatus.new, sa_type=sa.String(16), index=True)
    response_note: str | None = Field(default=None, max_length=5000)
