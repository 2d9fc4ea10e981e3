"""The shared read path answers exactly what the public model `ContributionPublic` writes:
byte for byte, for contributions with and without every optional field, person-days of every
magnitude and text beyond ASCII, in lists, single reads and the answers to writes."""

import uuid
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.contributions.models import Contribution, ContributionPublic
from tests.factories import create_contribution, create_project

_PUBLIC = TypeAdapter(ContributionPublic)


async def _model_bytes(session: AsyncSession, contribution_id: str) -> bytes:
    """The contribution as the ORM and `ContributionPublic` write it."""
    contribution = await session.get(Contribution, uuid.UUID(contribution_id))
    assert contribution is not None
    await session.refresh(contribution)
    return _PUBLIC.dump_json(ContributionPublic.model_validate(contribution))


@pytest.mark.parametrize("person_days", [12.5, 1, 0, 1e-7, 0.1 + 0.2, 1_000_000, 999_999.999999])
async def test_a_contribution_with_every_field_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    contributions_url: str,
    project: dict[str, Any],
    person_days: float,
) -> None:
    contribution = await create_contribution(
        client,
        project["id"],
        description='Kerja bakti "gotong royong" — RT 02 «Oba» 🎋\nbaris kedua',
        contributors_count=25,
        person_days=person_days,
        value_idr=1_000_000_000_000_000,
    )

    response = await client.get(f"{contributions_url}/{contribution['id']}")

    assert response.content == await _model_bytes(session, contribution["id"])


async def test_a_contribution_without_optional_fields_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, contributions_url: str
) -> None:
    response = await client.post(contributions_url, json={"kind": "materials"})
    assert response.status_code == 201, response.text

    read = await client.get(response.headers["Location"])

    assert read.content == await _model_bytes(session, response.json()["id"])


async def test_list_items_are_the_contributions_as_read_one_by_one(
    client: httpx.AsyncClient, contributions_url: str, project: dict[str, Any]
) -> None:
    await create_contribution(client, project["id"])
    await create_contribution(
        client, project["id"], kind="cash", person_days=None, value_idr=500_000
    )
    other = await create_project(client)
    await create_contribution(client, other["id"])

    listed = (await client.get(contributions_url)).json()["data"]

    assert len(listed) == 2
    for item in listed:
        assert item == (await client.get(f"{contributions_url}/{item['id']}")).json()


async def test_a_created_contribution_is_answered_as_a_read_would_answer_it(
    client: httpx.AsyncClient, contributions_url: str
) -> None:
    response = await client.post(
        contributions_url, json={"kind": "labor", "person_days": 3, "contributors_count": 4}
    )

    assert response.content == (await client.get(response.headers["Location"])).content


async def test_an_updated_contribution_is_answered_as_the_next_read_answers_it(
    client: httpx.AsyncClient, contributions_url: str, project: dict[str, Any]
) -> None:
    contribution = await create_contribution(client, project["id"], description="Lama")
    url = f"{contributions_url}/{contribution['id']}"

    response = await client.patch(url, json={"description": None, "person_days": 7})

    following = await client.get(url)
    assert response.content == following.content
    assert response.headers["ETag"] == following.headers["ETag"]


async def test_a_contribution_of_another_project_answers_404_naming_it(
    client: httpx.AsyncClient, contributions_url: str
) -> None:
    other = await create_project(client)
    contribution = await create_contribution(client, other["id"])

    response = await client.get(f"{contributions_url}/{contribution['id']}")

    assert response.status_code == 404
    assert contribution["id"] in response.json()["detail"]


async def test_a_deleted_contribution_in_a_sync_list_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    contributions_url: str,
    project: dict[str, Any],
) -> None:
    contribution = await create_contribution(client, project["id"])
    assert (await client.delete(f"{contributions_url}/{contribution['id']}")).status_code == 204

    listed = await client.get(contributions_url, params={"include_deleted": "true"})

    item = next(item for item in listed.json()["data"] if item["id"] == contribution["id"])
    stored = await session.get(Contribution, uuid.UUID(item["id"]))
    assert stored is not None
    await session.refresh(stored)
    assert item == _PUBLIC.dump_python(ContributionPublic.model_validate(stored), mode="json")
