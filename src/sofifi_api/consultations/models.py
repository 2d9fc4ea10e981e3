import uuid
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable
from sofifi_api.schemas import Day, InputModel, Integer, NotNull, ResourcePublic

MAX_COUNT = 2**31 - 1

Decision = Annotated[str, StringConstraints(min_length=1, max_length=1000)]

DECISIONS_EXAMPLE = [
    "Jalur jalan mengikuti batas kebun warga; tidak ada pembebasan lahan.",
    "Warga menyumbang tenaga kerja dua hari per minggu selama pengerasan.",
]


class ConsultationBase(SQLModel):
    held_on: Day = Field(
        description="Day the meeting took place.",
        schema_extra={"examples": ["2026-03-10"]},
    )
    location_name: str | None = Field(
        default=None,
        max_length=200,
        description="Where the meeting was held.",
        schema_extra={"examples": ["Balai Desa Sofifi"]},
    )
    participants_count: Integer = Field(
        ge=0,
        le=MAX_COUNT,
        description="Number of people who attended.",
        schema_extra={"examples": [40]},
    )
    women_count: Integer = Field(
        default=0,
        ge=0,
        le=MAX_COUNT,
        description="Number of women among the participants; at most `participants_count`.",
        schema_extra={"examples": [18]},
    )
    summary: str | None = Field(
        default=None,
        max_length=5000,
        description="What was discussed.",
        schema_extra={"examples": ["Musyawarah perencanaan jalan usaha tani bersama warga."]},
    )


class Consultation(ConsultationBase, TimestampedTable, table=True):
    """A community planning meeting (musyawarah) on an infrastructure project."""

    __tablename__ = "consultations"

    project_id: uuid.UUID = Field(foreign_key="infrastructure_projects.id", index=True)
    decisions: list[str] = Field(default_factory=list, sa_type=sa.JSON)


class ConsultationCreate(ConsultationBase, InputModel):
    """A consultation held on the project named in the path."""

    decisions: list[Decision] = Field(
        default_factory=list,
        max_length=100,
        description="What the meeting agreed, one decision per item.",
        schema_extra={"examples": [DECISIONS_EXAMPLE]},
    )


class ConsultationUpdate(InputModel):
    """Changes to a consultation: only the fields sent change."""

    held_on: NotNull[Day] = Field(
        default=None,
        description="Day the meeting took place.",
        schema_extra={"examples": ["2026-03-11"]},
    )
    location_name: str | None = Field(
        default=None,
        max_length=200,
        description="Where the meeting was held.",
        schema_extra={"examples": ["Masjid Desa Sofifi"]},
    )
    participants_count: NotNull[Integer] = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="Number of people who attended.",
        schema_extra={"examples": [42]},
    )
    women_count: NotNull[Integer] = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="Number of women among the participants; at most `participants_count`.",
        schema_extra={"examples": [20]},
    )
    summary: str | None = Field(
        default=None,
        max_length=5000,
        description="What was discussed.",
        schema_extra={"examples": ["Kesepakatan jadwal kerja bakti dan lokasi gorong-gorong."]},
    )
    decisions: NotNull[list[Decision]] = Field(
        default=None,
        max_length=100,
        description="Replaces the list of decisions.",
        schema_extra={"examples": [DECISIONS_EXAMPLE]},
    )


class ConsultationPublic(ConsultationBase, ResourcePublic):
    """A community planning meeting (musyawarah) on an infrastructure project."""

    project_id: uuid.UUID = Field(
        description="The infrastructure project the meeting was about.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    decisions: list[str] = Field(
        description="What the meeting agreed, one decision per item.",
        schema_extra={"examples": [DECISIONS_EXAMPLE]},
    )
