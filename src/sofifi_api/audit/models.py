import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel


class AuditAction(StrEnum):
    """What a client did."""

    create = "create"
    update = "update"
    delete = "delete"
    pii_read = "pii.read"
    client_create = "client.create"
    client_update = "client.update"
    client_revoke = "client.revoke"
    key_create = "key.create"
    key_rotate = "key.rotate"
    key_update = "key.update"
    key_revoke = "key.revoke"


class AuditEventPublic(SQLModel):
    """One entry of the audit trail: who did what to which resource, and when.

    It names the resource but never holds its data: no NIK, phone number, name or key."""

    id: uuid.UUID = Field(
        description="Opaque id of the event (time-ordered UUID); the list is ordered by it.",
        schema_extra={"examples": ["0195f3b2-1d4e-7a10-8f3c-2b9d4e6a7c01"]},
    )
    occurred_at: datetime = Field(
        description="When the write or the read happened (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-03-05T08:40:12Z"]},
    )
    client_id: uuid.UUID | None = Field(
        description="Id of the API client that acted; null for changes made with the "
        "`sofifi-api` command line.",
        schema_extra={"examples": ["0195f3a0-2c4b-7e11-9d2a-6b1f3e5c7a90"]},
    )
    action: AuditAction = Field(
        description="`create`, `update` or `delete` (soft delete) of a resource; `pii.read`: a "
        "participant's personal data (NIK, phone, exact birth date) was shown; "
        "`client.create`, `client.update`, `client.revoke`, `key.create`, `key.rotate`, "
        "`key.update`, `key.revoke` for API clients and their keys.",
        schema_extra={"examples": ["update"]},
    )
    resource_type: str = Field(
        max_length=40,
        description="Kind of resource: `organization`, `area`, `program`, `enrollment`, "
        "`participant`, `infrastructure_project`, `consultation`, `contribution`, `feedback`, "
        "`webhook` (a client's webhook subscription) or `api_client`.",
        schema_extra={"examples": ["participant"]},
    )
    resource_id: str | None = Field(
        max_length=64,
        description="Id of the resource (the code, for an area).",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    request_id: str | None = Field(
        max_length=128,
        description="The `Request-Id` of the request that acted; null for the command line.",
        schema_extra={"examples": ["4f6c0f3e9b7a4c52a1d2e3f4a5b6c7d8"]},
    )
    details: dict[str, Any] = Field(
        description="Names, never values: `fields` lists the fields an `update` changed; "
        "`key_id` names the key of a `key.*` action; `via` is `cli` for the command line.",
        schema_extra={"examples": [{"fields": ["phone", "area_code"]}]},
    )
