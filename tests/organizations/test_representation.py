"""The shared read path answers exactly what the public model `OrganizationPublic` writes:
byte for byte, for organizations with and without every optional field and text beyond
ASCII, in lists, single reads and the answers to writes."""

import uuid
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.organizations.models import Organization, OrganizationPublic
from tests.factories import SOFIFI, create_organization, create_reference_areas

_PUBLIC = TypeAdapter(OrganizationPublic)


async def _model_bytes(session: AsyncSession, organization_id: str) -> bytes:
    """The organization as the ORM and `OrganizationPublic` write it."""
    organization = await session.get(Organization, uuid.UUID(organization_id))
    assert organization is not None
    await session.refresh(organization)
    return _PUBLIC.dump_json(OrganizationPublic.model_validate(organization))


@pytest.fixture
async def full_organization(client: httpx.AsyncClient) -> dict[str, Any]:
    await create_reference_areas(client)
    return await create_organization(
        client,
        name='Yayasan Bambu Lestari — "Ternate" «Oba» 🎋',
        kind="ngo",
        acronym="YBL",
        description="Pelatihan anyaman\nbaris kedua",
        area_code=SOFIFI,
        website="https://bambu.example.org/ternate?q=1&r=2",
    )


async def test_an_organization_with_every_field_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, full_organization: dict[str, Any]
) -> None:
    response = await client.get(f"/v1/organizations/{full_organization['id']}")

    assert response.content == await _model_bytes(session, full_organization["id"])


async def test_an_organization_without_optional_fields_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    organization = await create_organization(client)

    response = await client.get(f"/v1/organizations/{organization['id']}")

    assert response.content == await _model_bytes(session, organization["id"])


async def test_list_items_are_the_organizations_as_read_one_by_one(
    client: httpx.AsyncClient, full_organization: dict[str, Any]
) -> None:
    await create_organization(client)

    listed = (await client.get("/v1/organizations")).json()["data"]

    assert len(listed) == 2
    for item in listed:
        assert item == (await client.get(f"/v1/organizations/{item['id']}")).json()


async def test_a_created_organization_is_answered_as_a_read_would_answer_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/organizations", json={"name": "Koperasi Nelayan", "kind": "community"}
    )

    assert response.content == (await client.get(response.headers["Location"])).content


async def test_an_updated_organization_is_answered_as_the_next_read_answers_it(
    client: httpx.AsyncClient, full_organization: dict[str, Any]
) -> None:
    url = f"/v1/organizations/{full_organization['id']}"

    response = await client.patch(url, json={"acronym": None, "description": "Baru ✓"})

    following = await client.get(url)
    assert response.content == following.content
    assert response.headers["ETag"] == following.headers["ETag"]


async def test_a_deleted_organization_in_a_sync_list_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, full_organization: dict[str, Any]
) -> None:
    assert (await client.delete(f"/v1/organizations/{full_organization['id']}")).status_code == 204

    listed = await client.get("/v1/organizations", params={"include_deleted": "true"})

    item = next(item for item in listed.json()["data"] if item["id"] == full_organization["id"])
    organization = await session.get(Organization, uuid.UUID(item["id"]))
    assert organization is not None
    await session.refresh(organization)
    assert item == _PUBLIC.dump_python(OrganizationPublic.model_validate(organization), mode="json")
