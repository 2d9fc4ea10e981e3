import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import pydantic
import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from sofifi_api.auth.credentials import KEY_PREFIX
from sofifi_api.auth.scopes import SCOPES
from sofifi_api.db import UTCDateTime, new_id, utcnow
from sofifi_api.schemas import InputModel, Instant, Integer, NotNull


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
    rate_limit_per_minute: Integer | None = None
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


class CredentialStatus(StrEnum):
    """Whether a client or a key opens the API now."""

    active = "active"
    expired = "expired"
    revoked = "revoked"


def status_at(
    revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> CredentialStatus:
    if revoked_at is not None:
        return CredentialStatus.revoked
    if expires_at is not None and expires_at <= now:
        return CredentialStatus.expired
    return CredentialStatus.active


# The service checks the name itself (422 `unknown_scope`); the schema lists the names it knows.
ScopeName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40),
    pydantic.Field(json_schema_extra={"enum": [*SCOPES]}),
]
AreaCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]

_SCOPES_DESCRIPTION = (
    "Scopes granted: `<resource>:read` / `<resource>:write` for organizations, areas, programs, "
    "participants, projects, surveys and feedback; `participants:pii`, `audit:read`, `admin`."
)
_AREAS_DESCRIPTION = (
    "Area codes the client is bound to: it sees and writes only rows in these areas and those "
    "below them. Empty: every area."
)


class ClientCreate(InputModel):
    """A new partner client; its first API key comes with the answer."""

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Who the client is, to recognise it in lists and the audit trail.",
        schema_extra={"examples": ["Bappeda Maluku Utara — sinkronisasi program"]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What the client does with the API, and who to call about it.",
        schema_extra={
            "examples": ["Nightly pull of programs and feedback for the Satu Data portal."]
        },
    )
    organization_id: uuid.UUID | None = Field(
        default=None,
        description="The organization the client acts for.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    scopes: list[ScopeName] = Field(
        min_length=1,
        max_length=100,
        description=_SCOPES_DESCRIPTION,
        schema_extra={"examples": [["programs:read", "feedback:read"]]},
    )
    area_codes: list[AreaCode] = Field(
        default_factory=list,
        max_length=100,
        description=_AREAS_DESCRIPTION,
        schema_extra={"examples": [["82.72.02"]]},
    )
    expires_at: Instant | None = Field(
        default=None,
        description="When every credential of the client stops working (RFC 3339); null: never.",
        schema_extra={"examples": ["2027-01-01T00:00:00Z"]},
    )
    rate_limit_per_minute: Integer | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Requests per minute this client may make; null: the service default.",
        schema_extra={"examples": [600]},
    )


class ClientUpdate(InputModel):
    """Changes to a client: only the fields sent are changed."""

    name: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Who the client is.",
        schema_extra={"examples": ["Bappeda Maluku Utara — sinkronisasi program"]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What the client does with the API.",
        schema_extra={"examples": ["Also pulls infrastructure projects since 2026."]},
    )
    scopes: NotNull[list[ScopeName]] = Field(
        default=None,
        min_length=1,
        max_length=100,
        description=f"{_SCOPES_DESCRIPTION} Replaces the list; takes effect at once, for access "
        "tokens already issued too.",
        schema_extra={"examples": [["programs:read", "projects:read", "feedback:read"]]},
    )
    area_codes: NotNull[list[AreaCode]] = Field(
        default=None,
        max_length=100,
        description=f"{_AREAS_DESCRIPTION} Replaces the list.",
        schema_extra={"examples": [["82.72.02", "82.72.03"]]},
    )
    expires_at: Instant | None = Field(
        default=None,
        description="When every credential of the client stops working; null: never.",
        schema_extra={"examples": ["2027-06-30T00:00:00Z"]},
    )
    rate_limit_per_minute: Integer | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Requests per minute; null: the service default.",
        schema_extra={"examples": [1200]},
    )


class KeyRotation(InputModel):
    """How a new key replaces the client's current ones."""

    grace_seconds: Integer = Field(
        default=0,
        ge=0,
        le=7 * 24 * 3600,
        description="Seconds the current keys keep working, at most 7 days, so the partner can "
        "deploy the new key; 0: they stop now.",
        schema_extra={"examples": [86400]},
    )


class ApiKeyPublic(SQLModel):
    """A key's metadata; its secret is shown only once, when it is issued."""

    id: uuid.UUID = Field(
        description="The key's id.",
        schema_extra={"examples": ["0195f3b1-2a4c-7e5d-8f60-1a2b3c4d5e6f"]},
    )
    prefix: str = Field(
        description="The key's public start, `sfk_<lookup id>`, to recognise it; never the secret.",
        schema_extra={"examples": ["sfk_k3m9q2x7ab"]},
    )
    status: CredentialStatus = Field(
        description="`active`, `expired` (lapsed after a rotation) or `revoked`.",
        schema_extra={"examples": ["active"]},
    )
    created_at: datetime = Field(
        description="When the key was issued.", schema_extra={"examples": ["2026-03-02T01:15:00Z"]}
    )
    expires_at: datetime | None = Field(
        description="When the key stops (set by a rotation); null: with the client.",
        schema_extra={"examples": [None]},
    )
    revoked_at: datetime | None = Field(
        description="When the key was revoked.", schema_extra={"examples": [None]}
    )

    @classmethod
    def of(cls, key: ApiKey, now: datetime) -> "ApiKeyPublic":
        return cls(
            id=key.id,
            prefix=f"{KEY_PREFIX}{key.lookup_id}",
            status=status_at(key.revoked_at, key.expires_at, now),
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
        )


class ClientPublic(SQLModel):
    """A partner client as the service returns it: never a key or its digest."""

    id: uuid.UUID = Field(
        description="The client's id; the OAuth2 `client_id`.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    name: str = Field(
        description="Who the client is.",
        schema_extra={"examples": ["Bappeda Maluku Utara — sinkronisasi program"]},
    )
    description: str | None = Field(
        description="What the client does with the API.",
        schema_extra={
            "examples": ["Nightly pull of programs and feedback for the Satu Data portal."]
        },
    )
    organization_id: uuid.UUID | None = Field(
        description="The organization the client acts for.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    scopes: list[str] = Field(
        description="Scopes granted, in order.",
        schema_extra={"examples": [["feedback:read", "programs:read"]]},
    )
    area_codes: list[str] = Field(
        description=_AREAS_DESCRIPTION, schema_extra={"examples": [["82.72.02"]]}
    )
    rate_limit_per_minute: Integer | None = Field(
        description="Requests per minute; null: the service default.",
        schema_extra={"examples": [600]},
    )
    status: CredentialStatus = Field(
        description="`active`, `expired` (past `expires_at`) or `revoked`; only an active client's "
        "keys and tokens open the API.",
        schema_extra={"examples": ["active"]},
    )
    expires_at: datetime | None = Field(
        description="When every credential of the client stops; null: never.",
        schema_extra={"examples": ["2027-01-01T00:00:00Z"]},
    )
    revoked_at: datetime | None = Field(
        description="When the client was revoked; revoked clients stay listed.",
        schema_extra={"examples": [None]},
    )
    keys: list[ApiKeyPublic] = Field(
        description="The client's keys, oldest first: metadata only.",
        schema_extra={
            "examples": [
                [
                    {
                        "id": "0195f3b1-2a4c-7e5d-8f60-1a2b3c4d5e6f",
                        "prefix": "sfk_k3m9q2x7ab",
                        "status": "active",
                        "created_at": "2026-03-02T01:15:00Z",
                        "expires_at": None,
                        "revoked_at": None,
                    }
                ]
            ]
        },
    )
    created_at: datetime = Field(
        description="When the client was created.",
        schema_extra={"examples": ["2026-03-02T01:15:00Z"]},
    )
    updated_at: datetime = Field(
        description="When the client last changed.",
        schema_extra={"examples": ["2026-03-05T08:40:12Z"]},
    )

    @classmethod
    def of(cls, client: ApiClient, keys: list[ApiKey], now: datetime) -> "ClientPublic":
        return cls(
            id=client.id,
            name=client.name,
            description=client.description,
            organization_id=client.organization_id,
            scopes=list(client.scopes),
            area_codes=list(client.area_codes),
            rate_limit_per_minute=client.rate_limit_per_minute,
            status=status_at(client.revoked_at, client.expires_at, now),
            expires_at=client.expires_at,
            revoked_at=client.revoked_at,
            keys=[ApiKeyPublic.of(key, now) for key in keys],
            created_at=client.created_at,
            updated_at=client.updated_at,
        )


class IssuedClient(ClientPublic):
    """A client with a key just issued: the only answer that ever shows a key."""

    api_key: str = Field(
        description="The new API key. Store it now: it is never shown again.",
        schema_extra={"examples": ["sfk_k3m9q2x7ab_4vJ8pQ2rT6yW1zX5cB9nM3kL7hG0fD4sA8eR2uI6oP1q"]},
    )
    api_key_id: uuid.UUID = Field(
        description="The id of the new key among `keys`.",
        schema_extra={"examples": ["0195f3b1-2a4c-7e5d-8f60-1a2b3c4d5e6f"]},
    )
