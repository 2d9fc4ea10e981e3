import httpx
import pytest

from tests.factories import create_reference_areas


@pytest.fixture
async def reference_areas(client: httpx.AsyncClient) -> None:
    """Maluku Utara → Kota Tidore Kepulauan → Oba Utara → Sofifi, through the API."""
    await create_reference_areas(client)
