import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """A client's Idempotency-Key: taken while its request runs, then the answer to replay."""

    __tablename__ = "idempotency_keys"

    client_id: uuid.UUID = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=255)
    method: str = Field(max_length=10)
    path: str = Field(max_length=500)
    request_digest: str = Field(max_length=64)
    state: str = Field(max_length=16)
    response_status: int | None = None
    response_headers: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    response_body: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    # The person whose NIK, phone or birth date the kept answer shows: erasing the person
    # rewrites the answer, and a replay re-checks the caller before showing it.
    participant_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
