from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable
from sofifi_api.schemas import InputModel, NotNull, ResourcePublic


class OrganizationKind(StrEnum):
    """Kind of organization."""

    government = "government"
    ngo = "ngo"
    private = "private"
    community = "community"


class OrganizationBase(SQLModel):
    """Fields an organization is created with."""

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Official name of the organization.",
        schema_extra={"examples": ["Dinas Koperasi dan UKM Provinsi Maluku Utara"]},
    )
    kind: OrganizationKind = Field(
        sa_type=sa.String(16),
        description="`government` agency, `ngo` (LSM), `private` company or `community` body.",
        schema_extra={"examples": ["government"]},
    )
    acronym: str | None = Field(
        default=None,
        max_length=40,
        description="Short name in common use.",
        schema_extra={"examples": ["Diskop UKM Malut"]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What the organization does in community assistance.",
        schema_extra={"examples": ["Provincial office for cooperatives and micro businesses."]},
    )
    area_code: str | None = Field(
        default=None,
        foreign_key="areas.code",
        max_length=40,
        index=True,
        description="Code of the area where the organization is based.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )
    website: str | None = Field(
        default=None,
        max_length=300,
        description="Public web address.",
        schema_extra={"examples": ["https://malutprov.go.id"]},
    )


class Organization(OrganizationBase, TimestampedTable, table=True):
    """An agency, NGO, company or community body that runs or funds work."""

    __tablename__ = "organizations"


class OrganizationCreate(OrganizationBase, InputModel):
    """A new organization."""


class OrganizationUpdate(InputModel):
    """Changes to an organization: only the fields sent are changed."""

    name: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Official name of the organization.",
        schema_extra={"examples": ["Dinas Koperasi dan UKM Provinsi Maluku Utara"]},
    )
    kind: NotNull[OrganizationKind] = Field(
        default=None,
        description="`government`, `ngo`, `private` or `community`.",
        schema_extra={"examples": ["ngo"]},
    )
    acronym: str | None = Field(
        default=None,
        max_length=40,
        description="Short name.",
        schema_extra={"examples": ["Diskop UKM Malut"]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What it does.",
        schema_extra={"examples": ["Trains bamboo weavers in Oba Utara."]},
    )
    area_code: str | None = Field(
        default=None,
        max_length=40,
        description="Code of the area where it is based.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )
    website: str | None = Field(
        default=None,
        max_length=300,
        description="Public web address.",
        schema_extra={"examples": ["https://example.org"]},
    )


class OrganizationPublic(OrganizationBase, ResourcePublic):
    """An organization as the service returns it."""
