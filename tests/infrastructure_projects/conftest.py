from typing import Any

import httpx
import pytest

from tests.factories import create_organization, create_reference_areas


@pytest.fixture
async def reference_areas(client: httpx.AsyncClient) -> None:
    """Maluku Utara → Kota Tidore Kepulauan → Oba Utara → Sofifi, through the API."""
    await create_reference_areas(client)


@pytest.fixture
async def contractor(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_organization(
        client, name="Dinas PUPR Provinsi Maluku Utara", acronym="PUPR Malut"
    )
