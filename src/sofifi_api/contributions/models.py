import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable
from sofifi_api.schemas import Day, InputModel, Integer, NotNull, Number, ResourcePublic

# Whole rupiah; a quadrillion is far above any gift yet keeps sums inside a 64-bit integer.
MAX_IDR = 10**15
MAX_COUNT = 2**31 - 1
MAX_PERSON_DAYS = 1_000_000


class ContributionKind(StrEnum):
    """What the community gave."""

    labor = "labor"
    materials = "materials"
    land = "land"
    cash = "cash"


class ContributionBase(SQLModel):
    kind: ContributionKind = Field(
        sa_type=sa.String(16),
        index=True,
        description="`labor` (gotong royong work; needs `person_days`), `materials`, `land` or "
        "`cash` (needs `value_idr`, the amount given).",
        schema_extra={"examples": ["labor"]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What was given.",
        schema_extra={"examples": ["Kerja bakti pengerasan badan jalan oleh warga RT 02."]},
    )
    contributed_on: Day | None = Field(
        default=None,
        description="Day the contribution was given (the last day, for work over several days).",
        schema_extra={"examples": ["2026-04-02"]},
    )
    contributors_count: Integer | None = Field(
        default=None,
        ge=1,
        le=MAX_COUNT,
        description="Number of people or households who contributed.",
        schema_extra={"examples": [25]},
    )
    person_days: Number | None = Field(
        default=None,
        ge=0,
        le=MAX_PERSON_DAYS,
        description="Work given, in person-days. Required for `labor` and refused for the other "
        "kinds, so that the project's `community_person_days` counts labour only.",
        schema_extra={"examples": [12.5]},
    )
    value_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_IDR,
        sa_type=sa.BigInteger,
        description="Value in whole rupiah: the amount for `cash` (required), an estimate for "
        "the other kinds (optional; e.g. labour at the local daily wage).",
        schema_extra={"examples": [1_500_000]},
    )


class Contribution(ContributionBase, TimestampedTable, table=True):
    """Community self-help (swadaya) given to an infrastructure project."""

    __tablename__ = "contributions"

    project_id: uuid.UUID = Field(foreign_key="infrastructure_projects.id", index=True)


class ContributionCreate(ContributionBase, InputModel):
    """A contribution to the project named in the path."""


class ContributionUpdate(InputModel):
    """Changes to a contribution: only the fields sent change; kind rules apply to the result."""

    kind: NotNull[ContributionKind] = Field(
        default=None, description="Kind of contribution.", schema_extra={"examples": ["materials"]}
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What was given.",
        schema_extra={"examples": ["Pasir dan batu kali 6 m³ dari warga Dusun II."]},
    )
    contributed_on: Day | None = Field(
        default=None, description="Day it was given.", schema_extra={"examples": ["2026-04-09"]}
    )
    contributors_count: Integer | None = Field(
        default=None,
        ge=1,
        le=MAX_COUNT,
        description="Number of people or households who contributed.",
        schema_extra={"examples": [12]},
    )
    person_days: Number | None = Field(
        default=None,
        ge=0,
        le=MAX_PERSON_DAYS,
        description="Work given, in person-days; only for `labor`.",
        schema_extra={"examples": [None]},
    )
    value_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_IDR,
        description="Value in whole rupiah; required for `cash`.",
        schema_extra={"examples": [2_400_000]},
    )


class ContributionPublic(ContributionBase, ResourcePublic):
    """Community self-help (swadaya) given to an infrastructure project."""

    project_id: uuid.UUID = Field(
        description="The infrastructure project the contribution went to.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
