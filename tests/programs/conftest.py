from typing import Any

import httpx
import pytest

from tests.factories import create_organization, create_reference_areas


@pytest.fixture
async def lead(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_organization(client, name="Dinas Koperasi dan UKM Provinsi Maluku Utara")


@pytest.fixture
async def funder(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_organization(client, name="Yayasan Bambu Lestari", kind="ngo")


@pytest.fixture
async def areas(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
