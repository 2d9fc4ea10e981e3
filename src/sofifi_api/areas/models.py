from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import UTCDateTime, utcnow


class AreaLevel(StrEnum):
    province = "province"
    regency = "regency"
    district = "district"
    village = "village"


class AreaBase(SQLModel):
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the area.",
        schema_extra={"examples": ["Sofifi"]},
    )
    level: AreaLevel = Field(
        sa_type=sa.String(16),
        description="`province`, `regency` (kabupaten/kota), `district` (kecamatan) or "
        "`village` (desa/kelurahan).",
        schema_extra={"examples": ["village"]},
    )
    parent_code: str | None = Field(
        default=None,
        foreign_key="areas.code",
        max_length=40,
        index=True,
        description="Code of the enclosing area; null for a province.",
        schema_extra={"examples": ["82.72.02"]},
    )
    is_official: bool = Field(
        default=True,
        description="True when `code` is the official Kemendagri region code; false for a "
        "locally assigned code (for example an illustrative or not yet coded hamlet).",
        schema_extra={"examples": [True]},
    )
    bps_code: str | None = Field(
        default=None,
        max_length=20,
        description="Statistics Indonesia (BPS) code, when known.",
        schema_extra={"examples": ["8272050006"]},
    )
    latitude: float | None = Field(
        default=None,
        ge=-90,
        le=90,
        description="Latitude of the area's centre, WGS84 degrees.",
        schema_extra={"examples": [0.72444]},
    )
    longitude: float | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="Longitude of the area's centre, WGS84 degrees.",
        schema_extra={"examples": [127.58056]},
    )


class Area(AreaBase, table=True):
    __tablename__ = "areas"

    code: str = Field(primary_key=True, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
