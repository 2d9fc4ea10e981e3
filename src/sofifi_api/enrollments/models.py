import uuid
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from sofifi_api.db import TimestampedTable


class EnrollmentStatus(StrEnum):
    enrolled = "enrolled"
    active = "active"
    completed = "completed"
    dropped = "dropped"


class Enrollment(TimestampedTable, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (
        # One live enrollment per participant and program; a deleted one may be redone.
        sa.Index(
            "uq_enrollments_program_participant_live",
            "program_id",
            "participant_id",
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
    )

    program_id: uuid.UUID = Field(foreign_key="programs.id", index=True)
    participant_id: uuid.UUID = Field(foreign_key="participants.id", index=True)
    status: EnrollmentStatus = Field(sa_type=sa.String(16), index=True)
    enrolled_on: date
    completed_on: date | None = None
    baseline_monthly_income_idr: int | None = Field(default=None, sa_type=sa.BigInteger)
    latest_monthly_income_idr: int | None = Field(default=None, sa_type=sa.BigInteger)
    notes: str | None = Field(default=None, max_length=2000)
