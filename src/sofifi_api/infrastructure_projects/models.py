import uuid
from datetime import date
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable


class ProjectType(StrEnum):
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


class InfrastructureProject(TimestampedTable, table=True):
    __tablename__ = "infrastructure_projects"

    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    project_type: ProjectType = Field(sa_type=sa.String(32), index=True)
    status: ProjectStatus = Field(sa_type=sa.String(16), index=True)
    location: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    budget_idr: int | None = Field(default=None, sa_type=sa.BigInteger)
    funding_sources: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    implementing_organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", index=True
    )
    start_date: date | None = None
    end_date: date | None = None
    completed_on: date | None = None
    progress_percent: int = Field(default=0)
    beneficiaries_count: int | None = None


class ProjectArea(SQLModel, table=True):
    """An area an infrastructure project serves."""

    __tablename__ = "infrastructure_project_areas"

    project_id: uuid.UUID = Field(foreign_key="infrastructure_projects.id", primary_key=True)
    area_code: str = Field(foreign_key="areas.code", primary_key=True, max_length=40, index=True)
