from typing import Any

import httpx
import pytest

from tests.factories import create_project


@pytest.fixture
async def project(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_project(client)


@pytest.fixture
def contributions_url(project: dict[str, Any]) -> str:
    return f"/v1/infrastructure-projects/{project['id']}/contributions"
