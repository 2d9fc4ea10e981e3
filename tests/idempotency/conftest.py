"""A partner whose client id the tests know, for arranging its Idempotency-Key records."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service as clients_service
from sofifi_api.db import utcnow
from sofifi_api.idempotency.models import IdempotencyRecord
from sofifi_api.idempotency.service import KeyState, request_digest

ORGANIZATIONS = "/v1/organizations"
BODY = b'{"name":"Koperasi Bambu Guraping","kind":"community"}'
OTHER_BODY = b'{"name":"Koperasi Pala Sofifi","kind":"community"}'
JSON = {"Content-Type": "application/json"}


@dataclass
class Partner:
    client_id: uuid.UUID
    http: httpx.AsyncClient

    async def post(self, path: str, body: bytes, key: str | None) -> httpx.Response:
        headers = JSON | ({"Idempotency-Key": key} if key is not None else {})
        return await self.http.post(path, content=body, headers=headers)


@pytest.fixture
async def partner(app: FastAPI, session: AsyncSession) -> AsyncIterator[Partner]:
    """An admin client: every scope, every area."""
    issued = await clients_service.create_client(session, name="Yayasan Pala", scopes=["admin"])
    await session.flush()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {issued.key}"},
    ) as http:
        yield Partner(issued.client.id, http)


def record(
    client_id: uuid.UUID,
    key: str,
    *,
    body: bytes = BODY,
    state: KeyState = KeyState.IN_FLIGHT,
    created_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> IdempotencyRecord:
    """A stored key for `POST /v1/organizations` with `body`."""
    created = created_at or utcnow()
    return IdempotencyRecord(
        client_id=client_id,
        key=key,
        method="POST",
        path=ORGANIZATIONS,
        request_digest=request_digest("POST", ORGANIZATIONS, body),
        state=state.value,
        response_status=201 if state is KeyState.COMPLETED else None,
        response_headers={},
        response_body=None,
        created_at=created,
        expires_at=expires_at or created + timedelta(hours=24),
    )
