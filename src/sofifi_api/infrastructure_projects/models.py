import uuid
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable
from sofifi_api.infrastructure_projects.geometry import Geometry
from sofifi_api.schemas import Day, InputModel, Integer, NotNull, ResourcePublic

# Whole rupiah; a quadrillion is far above any project yet keeps sums inside a 64-bit integer.
MAX_IDR = 10**15
MAX_COUNT = 2**31 - 1

LOCATION_EXAMPLE = {
    "type": "LineString",
    "coordinates": [[127.5781, 0.7208], [127.5822, 0.7251], [127.5869, 0.7297]],
}
FUNDING_EXAMPLE = [
    {"name": "APBD Provinsi Maluku Utara 2026", "amount_idr": 1_000_000_000, "source_type": "apbd"},
    {"name": "Dana Desa Sofifi 2026", "amount_idr": 250_000_000, "source_type": "dana_desa"},
]


class ProjectType(StrEnum):
    """Kind of work an infrastructure project builds."""

    road = "road"
    bridge = "bridge"
    water_supply = "water_supply"
    sanitation = "sanitation"
    school = "school"
    health_facility = "health_facility"
    market = "market"
    other = "other"


class ProjectStatus(StrEnum):
    """OC4IDS project status codes."""

    identification = "identification"
    preparation = "preparation"
    implementation = "implementation"
    completion = "completion"
    cancelled = "cancelled"


class FundingSourceType(StrEnum):
    """Kind of source the money of a project comes from."""

    apbn = "apbn"
    apbd = "apbd"
    dana_desa = "dana_desa"
    ngo = "ngo"
    private = "private"
    community = "community"
    other = "other"


class FundingSource(InputModel):
    """One source of the project's money."""

    organization_id: uuid.UUID | None = Field(
        default=None,
        description="The funding organization, when it is registered here; it must exist.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the source as written in the budget documents.",
        schema_extra={"examples": ["APBD Provinsi Maluku Utara 2026"]},
    )
    amount_idr: Integer = Field(
        ge=0,
        le=MAX_IDR,
        description="Amount committed by this source, in whole rupiah.",
        schema_extra={"examples": [850_000_000]},
    )
    source_type: FundingSourceType = Field(
        description="`apbn` (national budget), `apbd` (provincial or regency/city budget), "
        "`dana_desa` (village fund), `ngo`, `private` (company, e.g. CSR), `community` "
        "(cash raised by residents) or `other`.",
        schema_extra={"examples": ["apbd"]},
    )


AreaCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class InfrastructureProjectBase(SQLModel):
    title: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the project.",
        schema_extra={"examples": ["Jalan usaha tani Desa Sofifi"]},
    )
    description: str | None = Field(
        default=None,
        max_length=5000,
        description="What is built and why.",
        schema_extra={
            "examples": ["Pengerasan jalan usaha tani 1,2 km menuju kebun pala dan cengkeh."]
        },
    )
    project_type: ProjectType = Field(
        sa_type=sa.String(32),
        index=True,
        description="What kind of work the project builds.",
        schema_extra={"examples": ["road"]},
    )
    status: ProjectStatus = Field(
        sa_type=sa.String(16),
        index=True,
        description="OC4IDS project status: `identification`, `preparation`, `implementation`, "
        "`completion` or `cancelled`.",
        schema_extra={"examples": ["implementation"]},
    )
    budget_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_IDR,
        sa_type=sa.BigInteger,
        description="Total budget in whole rupiah.",
        schema_extra={"examples": [1_250_000_000]},
    )
    implementing_organization_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="organizations.id",
        index=True,
        description="The organization carrying out the work; it must exist.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    start_date: Day | None = Field(
        default=None,
        description="Planned or actual start of works.",
        schema_extra={"examples": ["2026-04-01"]},
    )
    end_date: Day | None = Field(
        default=None,
        description="Planned end of works; on or after `start_date`.",
        schema_extra={"examples": ["2026-10-31"]},
    )
    completed_on: Day | None = Field(
        default=None,
        description="When the works were actually finished; on or after `start_date`.",
        schema_extra={"examples": [None]},
    )
    progress_percent: Integer = Field(
        default=0,
        ge=0,
        le=100,
        description="Physical progress of the works, 0 to 100.",
        schema_extra={"examples": [45]},
    )
    beneficiaries_count: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="Number of people expected to benefit.",
        schema_extra={"examples": [1350]},
    )


class InfrastructureProject(InfrastructureProjectBase, TimestampedTable, table=True):
    __tablename__ = "infrastructure_projects"

    # Stored as plain JSON; the request and response models give them their GeoJSON shape.
    location: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    funding_sources: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)


class ProjectArea(SQLModel, table=True):
    """An area an infrastructure project serves."""

    __tablename__ = "infrastructure_project_areas"

    project_id: uuid.UUID = Field(foreign_key="infrastructure_projects.id", primary_key=True)
    area_code: str = Field(foreign_key="areas.code", primary_key=True, max_length=40, index=True)


class InfrastructureProjectCreate(InfrastructureProjectBase, InputModel):
    """A new infrastructure project."""

    location: Geometry | None = Field(
        default=None,
        description="Where the works are, as a GeoJSON geometry in WGS84 (longitude first): "
        "a Point, a LineString for a road, a Polygon for a site, or their Multi* forms.",
        schema_extra={"examples": [LOCATION_EXAMPLE]},
    )
    area_codes: list[AreaCode] = Field(
        default_factory=list,
        max_length=100,
        description="Codes of the areas the project serves; each must exist.",
        schema_extra={"examples": [["82.72.02.1003"]]},
    )
    funding_sources: list[FundingSource] = Field(
        default_factory=list,
        max_length=50,
        description="Where the money comes from.",
        schema_extra={"examples": [FUNDING_EXAMPLE]},
    )


class InfrastructureProjectUpdate(InputModel):
    """Changes to an infrastructure project: only the fields sent change."""

    title: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the project.",
        schema_extra={"examples": ["Jalan usaha tani Desa Sofifi tahap II"]},
    )
    description: str | None = Field(
        default=None,
        max_length=5000,
        description="What is built and why.",
        schema_extra={"examples": ["Pengerasan lanjutan 800 m dan dua gorong-gorong."]},
    )
    project_type: NotNull[ProjectType] = Field(
        default=None, description="Kind of work.", schema_extra={"examples": ["road"]}
    )
    status: NotNull[ProjectStatus] = Field(
        default=None,
        description="OC4IDS project status.",
        schema_extra={"examples": ["completion"]},
    )
    location: Geometry | None = Field(
        default=None,
        description="GeoJSON geometry in WGS84 (longitude first); null clears it.",
        schema_extra={"examples": [{"type": "Point", "coordinates": [127.58056, 0.72444]}]},
    )
    area_codes: NotNull[list[AreaCode]] = Field(
        default=None,
        max_length=100,
        description="Replaces the areas served; each must exist.",
        schema_extra={"examples": [["82.72.02.1003"]]},
    )
    budget_idr: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_IDR,
        description="Total budget in whole rupiah.",
        schema_extra={"examples": [1_400_000_000]},
    )
    funding_sources: NotNull[list[FundingSource]] = Field(
        default=None,
        max_length=50,
        description="Replaces the funding sources.",
        schema_extra={"examples": [FUNDING_EXAMPLE]},
    )
    implementing_organization_id: uuid.UUID | None = Field(
        default=None,
        description="The organization carrying out the work; it must exist.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    start_date: Day | None = Field(
        default=None, description="Start of works.", schema_extra={"examples": ["2026-04-01"]}
    )
    end_date: Day | None = Field(
        default=None,
        description="Planned end of works; on or after `start_date`.",
        schema_extra={"examples": ["2026-11-30"]},
    )
    completed_on: Day | None = Field(
        default=None,
        description="Actual end of works; on or after `start_date`.",
        schema_extra={"examples": ["2026-11-20"]},
    )
    progress_percent: NotNull[Integer] = Field(
        default=None,
        ge=0,
        le=100,
        description="Physical progress, 0 to 100.",
        schema_extra={"examples": [100]},
    )
    beneficiaries_count: Integer | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="People expected to benefit.",
        schema_extra={"examples": [1350]},
    )


class InfrastructureProjectPublic(InfrastructureProjectBase, ResourcePublic):
    """An infrastructure project with its community participation totals."""

    location: Geometry | None = Field(
        default=None,
        description="Where the works are, as a GeoJSON geometry in WGS84 (longitude first).",
        schema_extra={"examples": [LOCATION_EXAMPLE]},
    )
    area_codes: list[str] = Field(
        description="Codes of the areas the project serves, in code order.",
        schema_extra={"examples": [["82.72.02.1003"]]},
    )
    funding_sources: list[FundingSource] = Field(
        description="Where the money comes from.",
        schema_extra={"examples": [FUNDING_EXAMPLE]},
    )
    consultations_count: int = Field(
        description="Number of consultations (musyawarah) held on the project. Read-only.",
        schema_extra={"examples": [3]},
    )
    women_share_in_consultations: float | None = Field(
        description="Women among all consultation participants, 0 to 1 (three decimals); "
        "null while no participants are recorded. Read-only.",
        schema_extra={"examples": [0.45]},
    )
    community_person_days: float = Field(
        description="Person-days of community labour (swadaya), summed over labour "
        "contributions. Read-only.",
        schema_extra={"examples": [312.5]},
    )
    community_contribution_value_idr: int = Field(
        description="Estimated value in rupiah of all community contributions (labour, "
        "materials, land, cash) that state one. Read-only.",
        schema_extra={"examples": [48_500_000]},
    )
