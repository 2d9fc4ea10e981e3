import uuid
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable


class ProgramCategory(StrEnum):
    economic = "economic"
    education_skills = "education_skills"
    health = "health"
    infrastructure = "infrastructure"
    social = "social"
    other = "other"


class ProgramStatus(StrEnum):
    planned = "planned"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class PartnerRole(StrEnum):
    funder = "funder"
    implementer = "implementer"
    facilitator = "facilitator"
    government_sponsor = "government_sponsor"


class Program(TimestampedTable, table=True):
    __tablename__ = "programs"

    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    category: ProgramCategory = Field(sa_type=sa.String(32), index=True)
    status: ProgramStatus = Field(sa_type=sa.String(16), index=True)
    lead_organization_id: uuid.UUID = Field(foreign_key="organizations.id", index=True)
    start_date: date | None = None
    end_date: date | None = None
    budget_idr: int | None = Field(default=None, sa_type=sa.BigInteger)
    target_participants: int | None = None


class ProgramPartner(SQLModel, table=True):
    """An organization taking part in a program, in one role."""

    __tablename__ = "program_partners"

    program_id: uuid.UUID = Field(foreign_key="programs.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organizations.id", primary_key=True, index=True)
    role: PartnerRole = Field(sa_type=sa.String(32), primary_key=True)


class ProgramArea(SQLModel, table=True):
    """An area a program targets."""

    __tablename__ = "program_areas"

    program_id: uuid.UUID = Field(foreign_key="programs.id", primary_key=True)
    area_code: str = Field(foreign_key="areas.code", primary_key=True, max_length=40, index=True)
