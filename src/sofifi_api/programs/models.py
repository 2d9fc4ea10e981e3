"""Assistance programs, the organizations that take part in them and the areas they target."""

import uuid
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, Relationship, SQLModel

from sofifi_api.db import TimestampedTable
from sofifi_api.schemas import Day, InputModel, Integer, NotNull, ResourcePublic

MAX_BUDGET_IDR = 1_000_000_000_000_000
MAX_TARGET_PARTICIPANTS = 100_000_000
MAX_PARTNERS = 50
MAX_AREAS = 500

AreaCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ProgramCategory(StrEnum):
    """What kind of assistance a program gives."""

    economic = "economic"
    education_skills = "education_skills"
    health = "health"
    infrastructure = "infrastructure"
    social = "social"
    other = "other"


class ProgramStatus(StrEnum):
    """Where a program is in its life."""

    planned = "planned"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class PartnerRole(StrEnum):
    """The part an organization plays in a program besides its lead."""

    funder = "funder"
    implementer = "implementer"
    facilitator = "facilitator"
    government_sponsor = "government_sponsor"


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


class ProgramBase(SQLModel):
    title: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the program.",
        schema_extra={"examples": ["Pelatihan anyaman bambu untuk kelompok perempuan Sofifi"]},
    )
    description: str | None = Field(
        default=None,
        max_length=5000,
        description="What the program does and for whom.",
        schema_extra={
            "examples": [
                "Six months of bamboo-weaving and small-business training for women's "
                "groups in Kelurahan Sofifi, with help to sell at the Sofifi market."
            ]
        },
    )
    category: ProgramCategory = Field(
        sa_type=sa.String(32),
        index=True,
        description="`economic`, `education_skills`, `health`, `infrastructure`, `social` "
        "or `other`.",
        schema_extra={"examples": ["education_skills"]},
    )
    status: ProgramStatus = Field(
        sa_type=sa.String(16),
        index=True,
        description="`planned`, `active`, `completed` or `cancelled`.",
        schema_extra={"examples": ["active"]},
    )
    lead_organization_id: uuid.UUID = Field(
        foreign_key="organizations.id",
        index=True,
        description="Id of the organization that runs the program.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    start_date: Day | None = Field(
        default=None,
        description="First day of the program (YYYY-MM-DD).",
        schema_extra={"examples": ["2026-02-01"]},
    )
    end_date: Day | None = Field(
        default=None,
        description="Last day of the program (YYYY-MM-DD); on or after `start_date`.",
        schema_extra={"examples": ["2026-07-31"]},
    )
    budget_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_BUDGET_IDR,
        sa_type=sa.BigInteger,
        description="Total budget in whole rupiah.",
        schema_extra={"examples": [350_000_000]},
    )
    target_participants: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_TARGET_PARTICIPANTS,
        description="How many participants the program plans to reach.",
        schema_extra={"examples": [60]},
    )


class Program(ProgramBase, TimestampedTable, table=True):
    """An assistance program, with the organizations and areas it involves."""

    __tablename__ = "programs"

    # lazy="raise": related rows are loaded explicitly (selectinload), never one row at a time.
    partners: list[ProgramPartner] = Relationship(
        sa_relationship_kwargs={"lazy": "raise", "cascade": "all, delete-orphan"}
    )
    areas: list[ProgramArea] = Relationship(
        sa_relationship_kwargs={"lazy": "raise", "cascade": "all, delete-orphan"}
    )


class PartnerBase(SQLModel):
    organization_id: uuid.UUID = Field(
        description="Id of the partner organization.",
        schema_extra={"examples": ["0195f3a9-0b2d-7e41-8c3a-5d2e1f0a9b8c"]},
    )
    role: PartnerRole = Field(
        description="`funder`, `implementer`, `facilitator` or `government_sponsor`.",
        schema_extra={"examples": ["funder"]},
    )


class PartnerInput(PartnerBase, InputModel):
    """An organization taking part in the program, in one role."""


class PartnerPublic(PartnerBase):
    """An organization taking part in the program, in one role."""


_PARTNERS_EXAMPLE = [
    {"organization_id": "0195f3a9-0b2d-7e41-8c3a-5d2e1f0a9b8c", "role": "funder"},
    {"organization_id": "0195f3a9-4c6e-7a12-b9d0-8e7f6a5b4c3d", "role": "implementer"},
]


class ProgramCreate(ProgramBase, InputModel):
    """A new assistance program."""

    partners: list[PartnerInput] = Field(
        default_factory=list,
        max_length=MAX_PARTNERS,
        description="Organizations taking part besides the lead, each in a role; an "
        "organization may appear once per role.",
        schema_extra={"examples": [_PARTNERS_EXAMPLE], "json_schema_extra": {"uniqueItems": True}},
    )
    area_codes: list[AreaCode] = Field(
        default_factory=list,
        max_length=MAX_AREAS,
        description="Codes of the areas the program targets, each once.",
        schema_extra={"examples": [["82.72.02.1003"]], "json_schema_extra": {"uniqueItems": True}},
    )


class ProgramUpdate(InputModel):
    """Changes to a program: only the fields sent change; lists are replaced whole."""

    title: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the program.",
        schema_extra={"examples": ["Pelatihan anyaman bambu dan pemasaran daring"]},
    )
    description: str | None = Field(
        default=None,
        max_length=5000,
        description="What the program does and for whom.",
        schema_extra={"examples": ["Adds a module on selling crafts online."]},
    )
    category: NotNull[ProgramCategory] = Field(
        default=None,
        description="Category of the program.",
        schema_extra={"examples": ["economic"]},
    )
    status: NotNull[ProgramStatus] = Field(
        default=None,
        description="Status of the program.",
        schema_extra={"examples": ["completed"]},
    )
    lead_organization_id: NotNull[uuid.UUID] = Field(
        default=None,
        description="Id of the organization that runs the program.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    start_date: Day | None = Field(
        default=None,
        description="First day of the program.",
        schema_extra={"examples": ["2026-02-01"]},
    )
    end_date: Day | None = Field(
        default=None,
        description="Last day of the program; on or after `start_date`.",
        schema_extra={"examples": ["2026-08-31"]},
    )
    budget_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_BUDGET_IDR,
        description="Total budget in whole rupiah.",
        schema_extra={"examples": [400_000_000]},
    )
    target_participants: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_TARGET_PARTICIPANTS,
        description="How many participants the program plans to reach.",
        schema_extra={"examples": [80]},
    )
    partners: NotNull[list[PartnerInput]] = Field(
        default=None,
        max_length=MAX_PARTNERS,
        description="Replaces the whole list of partners; `[]` removes them all.",
        schema_extra={"examples": [_PARTNERS_EXAMPLE]},
    )
    area_codes: NotNull[list[AreaCode]] = Field(
        default=None,
        max_length=MAX_AREAS,
        description="Replaces the whole list of target areas; `[]` removes them all.",
        schema_extra={"examples": [["82.72.02.1003", "82.72.02"]]},
    )


class ProgramPublic(ProgramBase, ResourcePublic):
    """An assistance program (economic empowerment, skills, health...) run in the area."""

    partners: list[PartnerPublic] = Field(
        description="Organizations taking part besides the lead, ordered by organization id "
        "and role.",
        schema_extra={"examples": [_PARTNERS_EXAMPLE]},
    )
    area_codes: list[str] = Field(
        description="Codes of the areas the program targets, in code order.",
        schema_extra={"examples": [["82.72.02.1003"]]},
    )
    enrolled_count: int = Field(
        description="Live enrollments whose status is not `dropped` (read-only).",
        schema_extra={"examples": [42]},
    )
    completed_count: int = Field(
        description="Live enrollments whose status is `completed` (read-only).",
        schema_extra={"examples": [17]},
    )
