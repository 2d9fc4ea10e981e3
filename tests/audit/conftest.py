from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients.models import ApiClient

EventReader = Callable[..., Awaitable[list[dict[str, Any]]]]
ClientIdOf = Callable[[str], Awaitable[str]]

ADMIN_NAME = "Test admin"


@pytest.fixture
def read_events(client: httpx.AsyncClient) -> EventReader:
    """The audit events matching these filters, read through the API as an admin."""

    async def read(**filters: Any) -> list[dict[str, Any]]:
        response = await client.get("/v1/audit-events", params={"limit": 500, **filters})
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()["data"]
        return events

    return read


@pytest.fixture
def client_id_of(session: AsyncSession) -> ClientIdOf:
    """The id of the API client with this name (each test names its clients apart)."""

    async def find(name: str) -> str:
        rows = await session.exec(select(ApiClient.id).where(col(ApiClient.name) == name))
        return str(rows.one())

    return find
