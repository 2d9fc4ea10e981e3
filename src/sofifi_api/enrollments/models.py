"""Enrollments: a participant taking part in a program, and the outcome."""

import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable
from sofifi_api.schemas import Day, InputModel, Integer, NotNull, ResourcePublic

MAX_MONTHLY_INCOME_IDR = 1_000_000_000_000


class EnrollmentStatus(StrEnum):
    """Where a participant is in a program."""

    enrolled = "enrolled"
    active = "active"
    completed = "completed"
    dropped = "dropped"


class EnrollmentBase(SQLModel):
    status: EnrollmentStatus = Field(
        sa_type=sa.String(16),
        index=True,
        description="`enrolled`, `active`, `completed` or `dropped`.",
        schema_extra={"examples": ["active"]},
    )
    enrolled_on: Day = Field(
        description="Day the participant joined the program (YYYY-MM-DD).",
        schema_extra={"examples": ["2026-02-01"]},
    )
    completed_on: Day | None = Field(
        default=None,
        description="Day the participant completed the program; only with status `completed`, "
        "on or after `enrolled_on`.",
        schema_extra={"examples": [None]},
    )
    baseline_monthly_income_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_MONTHLY_INCOME_IDR,
        sa_type=sa.BigInteger,
        description="Monthly income in whole rupiah when the participant joined.",
        schema_extra={"examples": [1_200_000]},
    )
    latest_monthly_income_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_MONTHLY_INCOME_IDR,
        sa_type=sa.BigInteger,
        description="Most recently reported monthly income in whole rupiah.",
        schema_extra={"examples": [2_100_000]},
    )
    notes: str | None = Field(
        default=None,
        max_length=2000,
        description="Remarks of the program staff about this enrollment.",
        schema_extra={"examples": ["Sells woven baskets at Pasar Sofifi twice a week."]},
    )


class Enrollment(EnrollmentBase, TimestampedTable, table=True):
    """A participant in a program, with the outcome."""

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


class EnrollmentCreate(EnrollmentBase, InputModel):
    """A participant joining a program."""

    participant_id: uuid.UUID = Field(
        description="Id of the enrolled participant (a person or a group); cannot change later.",
        schema_extra={"examples": ["0195f3b0-2a4c-7b6d-8e9f-0a1b2c3d4e5f"]},
    )


class EnrollmentUpdate(InputModel):
    """Changes to an enrollment: only the fields sent change; the participant cannot."""

    status: NotNull[EnrollmentStatus] = Field(
        default=None,
        description="`enrolled`, `active`, `completed` or `dropped`.",
        schema_extra={"examples": ["completed"]},
    )
    enrolled_on: NotNull[Day] = Field(
        default=None,
        description="Day the participant joined the program.",
        schema_extra={"examples": ["2026-02-01"]},
    )
    completed_on: Day | None = Field(
        default=None,
        description="Day the participant completed the program; only with status `completed`.",
        schema_extra={"examples": ["2026-07-31"]},
    )
    baseline_monthly_income_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_MONTHLY_INCOME_IDR,
        description="Monthly income in whole rupiah when the participant joined.",
        schema_extra={"examples": [1_200_000]},
    )
    latest_monthly_income_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_MONTHLY_INCOME_IDR,
        description="Most recently reported monthly income in whole rupiah.",
        schema_extra={"examples": [2_400_000]},
    )
    notes: str | None = Field(
        default=None,
        max_length=2000,
        description="Remarks of the program staff about this enrollment.",
        schema_extra={"examples": ["Completed all modules; now supplies a shop in Ternate."]},
    )


class EnrollmentPublic(EnrollmentBase, ResourcePublic):
    """A participant (person or group) in a program, with status and income outcome."""

    program_id: uuid.UUID = Field(
        description="Id of the program.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    participant_id: uuid.UUID = Field(
        description="Id of the enrolled participant (a person or a group).",
        schema_extra={"examples": ["0195f3b0-2a4c-7b6d-8e9f-0a1b2c3d4e5f"]},
    )
