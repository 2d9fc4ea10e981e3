import uuid
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field

from sofifi_api.db import TimestampedTable


class ContributionKind(StrEnum):
    labor = "labor"
    materials = "materials"
    land = "land"
    cash = "cash"


class Contribution(TimestampedTable, table=True):
    """Community self-help (swadaya) given to an infrastructure project."""

    __tablename__ = "contributions"

    project_id: uuid.UUID = Field(foreign_key="infrastructure_projects.id", index=True)
    kind: ContributionKind = Field(sa_type=sa.String(16), index=True)
    description: str | None = Field(default=None, max_length=2000)
    contributed_on: date | None = None
    contributors_count: int | None = None
    person_days: float | None = None
    value_idr: int | None = Field(default=None, sa_type=sa.BigInteger)
