import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import UTCDateTime, new_id, utcnow


class ApiClient(SQLModel, table=True):
    """A partner system allowed to call the service."""

    __tablename__ = "api_clients"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", index=True
    )
    scopes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # Empty: every area. Otherwise the client sees and writes only rows in these areas
    # (and the areas below them).
    area_codes: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    rate_limit_per_minute: int | None = None
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ApiKey(SQLModel, table=True):
    """One secret of a client; rotating adds a key and lets the old one lapse."""

    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="api_clients.id", index=True)
    lookup_id: str = Field(max_length=16, unique=True)
    digest: str = Field(max_length=64)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditEvent(SQLModel, table=True):
    """A write, or a read of personal data, and who made it. Never holds the data itself."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_resource", "resource_type", "resource_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # No foreign key: the trail outlives the clients it names.
    client_id: uuid.UUID | None = Field(default=None, index=True)
    action: str = Field(max_length=32, index=True)
    resource_type: str = Field(max_length=40)
    resource_id: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
