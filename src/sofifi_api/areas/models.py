from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import UTCDateTime, utcnow
from sofifi_api.schemas import Boolean, InputModel, NotNull, Number


class AreaLevel(StrEnum):
    """Administrative level, from the province down to the village (desa/kelurahan)."""

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
    is_official: Boolean = Field(
        default=True,
        description="True when `code` is the official Kemendagri region code; false for a "
        "locally assigned code (for example an illustrative or not yet coded hamlet).",
        schema_extra={"examples": [True]},
    )
    bps_code: str | None = Field(
        default=None,
        max_length=20,
        description="Statistics Indonesia (BPS) code, when known: digits only.",
        schema_extra={"pattern": "^[0-9]+$", "examples": ["8272050006"]},
    )
    latitude: Number | None = Field(
        default=None,
        ge=-90,
        le=90,
        description="Latitude of the area's centre, WGS84 degrees.",
        schema_extra={"examples": [0.72444]},
    )
    longitude: Number | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="Longitude of the area's centre, WGS84 degrees.",
        schema_extra={"examples": [127.58056]},
    )


class Area(AreaBase, table=True):
    """An administrative area; its code is its key, so no id."""

    __tablename__ = "areas"

    code: str = Field(primary_key=True, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class AreaKey(SQLModel):
    code: str = Field(
        min_length=2,
        max_length=40,
        description="The area's code, which addresses it. Official (Kemendagri) codes are "
        "`NN` for a province, `NN.NN` for a regency, `NN.NN.NN` for a district and "
        "`NN.NN.NN.NNNN` for a village. A locally assigned code is the parent's code, a "
        "hyphen and a lowercase slug, so it can never be mistaken for an official one. "
        "Cannot be changed, nor reused after deletion.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )


class AreaCreate(AreaBase, AreaKey, InputModel):
    """A new area, addressed afterwards by its code."""

    # Not the official areas' own values: `sofifi-api migrate` loads those, so that example
    # would be a 409 on every fresh installation.
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "code": "82.72.02-guraping",
                    "name": "Guraping",
                    "level": "village",
                    "parent_code": "82.72.02",
                    "is_official": False,
                }
            ]
        },
    }


class AreaUpdate(InputModel):
    """Changes to an area; fields left out stay as they are, and the code never changes."""

    name: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the area.",
        schema_extra={"examples": ["Sofifi"]},
    )
    level: NotNull[AreaLevel] = Field(
        default=None,
        description="Level of the area; must stay consistent with the code and the parent.",
        schema_extra={"examples": ["village"]},
    )
    parent_code: str | None = Field(
        default=None,
        max_length=40,
        description="Code of the enclosing area; the code must still start with it.",
        schema_extra={"examples": ["82.72.02"]},
    )
    is_official: NotNull[Boolean] = Field(
        default=None,
        description="Whether `code` is the official Kemendagri code; must fit the code.",
        schema_extra={"examples": [True]},
    )
    bps_code: str | None = Field(
        default=None,
        max_length=20,
        description="Statistics Indonesia (BPS) code: digits only; null clears it.",
        schema_extra={"pattern": "^[0-9]+$", "examples": ["8272050006"]},
    )
    latitude: Number | None = Field(
        default=None,
        ge=-90,
        le=90,
        description="Latitude of the area's centre, WGS84 degrees; set together with longitude.",
        schema_extra={"examples": [0.72444]},
    )
    longitude: Number | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="Longitude of the area's centre, WGS84 degrees; set together with latitude.",
        schema_extra={"examples": [127.58056]},
    )


class AreaPublic(AreaBase, AreaKey):
    """An administrative area as the API returns it."""

    created_at: datetime = Field(
        description="When the area was created (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-03-02T01:15:00Z"]},
    )
    updated_at: datetime = Field(
        description="When the area last changed (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-03-05T08:40:12Z"]},
    )
    deleted_at: datetime | None = Field(
        default=None,
        description="When the area was deleted; null unless listed with `include_deleted`.",
        schema_extra={"examples": [None]},
    )
