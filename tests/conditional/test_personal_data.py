"""A person's ETag is that of the representation the client itself is shown: with personal
data for `participants:pii` clients, without for the others."""

import httpx
import pytest

from tests.conditional.conftest import etag_of
from tests.conftest import ClientFactory
from tests.factories import create_person

READ_WRITE = ("participants:read", "participants:write")


@pytest.fixture
async def person_url(client: httpx.AsyncClient) -> str:
    person = await create_person(client, nik="8272024107860001", birth_date="1986-07-01")
    return f"/v1/participants/{person['id']}"


@pytest.fixture
async def with_pii(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(*READ_WRITE, "participants:pii")


@pytest.fixture
async def without_pii(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(*READ_WRITE)


async def test_clients_with_and_without_pii_see_different_etags(
    with_pii: httpx.AsyncClient, without_pii: httpx.AsyncClient, person_url: str
) -> None:
    assert await etag_of(with_pii, person_url) != await etag_of(without_pii, person_url)


@pytest.mark.parametrize("scopes", [(*READ_WRITE, "participants:pii"), READ_WRITE])
async def test_each_client_can_patch_with_the_etag_of_its_own_get(
    make_client: ClientFactory, person_url: str, scopes: tuple[str, ...]
) -> None:
    partner = await make_client(*scopes)
    etag = await etag_of(partner, person_url)

    response = await partner.patch(
        person_url, json={"gender": "female"}, headers={"If-Match": etag}
    )

    assert response.status_code == 200, response.text


async def test_the_etag_of_a_pii_client_is_stale_for_a_client_without_pii(
    with_pii: httpx.AsyncClient, without_pii: httpx.AsyncClient, person_url: str
) -> None:
    etag = await etag_of(with_pii, person_url)

    response = await without_pii.patch(
        person_url, json={"gender": "female"}, headers={"If-Match": etag}
    )

    assert response.status_code == 412


async def test_checking_if_match_records_no_personal_data_read(
    client: httpx.AsyncClient, with_pii: httpx.AsyncClient, person_url: str
) -> None:
    async def personal_data_reads() -> int:
        page = await client.get("/v1/audit-events", params={"action": "pii.read", "limit": 500})
        return len(page.json()["data"])

    etag = await etag_of(with_pii, person_url)
    before = await personal_data_reads()

    response = await with_pii.delete(person_url, headers={"If-Match": etag})

    assert response.status_code == 204
    assert await personal_data_reads() == before
