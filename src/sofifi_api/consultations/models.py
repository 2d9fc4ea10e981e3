import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from sofifi_api.db import TimestampedTable


class Consultation(TimestampedTable, table=True):
    """A community planning meeting (musyawarah) on an infrastructure project."""

    __tablename__ = "consultations"

    project_id: uuid.UUID = Field(foreign_key="infrastructure_projects.id", index=True)
    held_on: date
    location_name: str | None = Field(default=None, max_length=200)
    participants_count: int
    women_count: int = Field(default=0)
    summary: str | None = Field(default=None, max_length=5000)
    decisions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
