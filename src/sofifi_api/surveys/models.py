import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable, UTCDateTime, utcnow


class Survey(TimestampedTable, table=True):
    """A form; its questions live in immutable versions."""

    __tablename__ = "surveys"

    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    latest_version: int = Field(default=1)


class SurveyVersion(SQLModel, table=True):
    """One published version of a survey's questions; never changed once published."""

    __tablename__ = "survey_versions"

    survey_id: uuid.UUID = Field(foreign_key="surveys.id", primary_key=True)
    version: int = Field(primary_key=True)
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
