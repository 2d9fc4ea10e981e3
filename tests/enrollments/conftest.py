from typing import Any

import httpx
import pytest

from tests.factories import create_person, create_program


@pytest.fixture
async def program(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_program(client)


@pytest.fixture
async def person(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_person(client)
