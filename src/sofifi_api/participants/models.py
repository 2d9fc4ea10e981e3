import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable, UTCDateTime


class ParticipantKind(StrEnum):
    person = "person"
    group = "group"


class Gender(StrEnum):
    female = "female"
    male = "male"


class Participant(TimestampedTable, table=True):
    """A person or a group; person-only and group-only columns are null for the other kind."""

    __tablename__ = "participants"
    __table_args__ = (
        sa.Index(
            "uq_participants_nik_live",
            "nik",
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
    )

    kind: ParticipantKind = Field(sa_type=sa.String(16), index=True)
    area_code: str | None = Field(default=None, foreign_key="areas.code", max_length=40, index=True)
    # person
    full_name: str | None = Field(default=None, max_length=200)
    nik: str | None = Field(default=None, max_length=16)
    gender: Gender | None = Field(default=None, sa_type=sa.String(16), index=True)
    birth_year: int | None = None
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    # group
    name: str | None = Field(default=None, max_length=200)
    group_type: str | None = Field(default=None, max_length=60)
    # consent to the processing of personal data
    consent_given: bool = Field(default=False)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_basis: str | None = Field(default=None, max_length=40)


class GroupMember(SQLModel, table=True):
    """A person belonging to a group participant."""

    __tablename__ = "group_members"

    group_id: uuid.UUID = Field(foreign_key="participants.id", primary_key=True)
    member_id: uuid.UUID = Field(foreign_key="participants.id", primary_key=True, index=True)
