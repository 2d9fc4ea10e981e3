import re
from typing import Any

import httpx
import pytest

from tests.factories import create_program

STRONG_ETAG = re.compile(r'^"[0-9a-f]{64}"$')


@pytest.fixture
async def program(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_program(client, budget_idr=180_000_000)


@pytest.fixture
def program_url(program: dict[str, Any]) -> str:
    return f"/v1/programs/{program['id']}"


async def etag_of(client: httpx.AsyncClient, url: str) -> str:
    """The ETag this client's GET of `url` carries now."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]
