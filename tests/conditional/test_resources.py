"""For every resource with PATCH or DELETE, the ETag a GET gave is what If-Match is checked
against: the write computes it from the same representation, for the same client."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.conditional.conftest import etag_of
from tests.factories import (
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_survey,
)

STALE_ETAG = '"0000000000000000000000000000000000000000000000000000000000000000"'

# A resource under test: its URL and a change a PATCH may make to it.
Resource = tuple[str, dict[str, Any]]
Builder = Callable[[httpx.AsyncClient], Awaitable[Resource]]


async def organization(client: httpx.AsyncClient) -> Resource:
    created = await create_organization(client)
    return f"/v1/organizations/{created['id']}", {"acronym": "Diskop UKM"}


async def area(client: httpx.AsyncClient) -> Resource:
    response = await client.post(
        "/v1/areas", json={"code": "82", "name": "Maluku Utara", "level": "province"}
    )
    assert response.status_code == 201, response.text
    return "/v1/areas/82", {"name": "Provinsi Maluku Utara"}


async def program(client: httpx.AsyncClient) -> Resource:
    created = await create_program(client, area_codes=[])
    return f"/v1/programs/{created['id']}", {"status": "completed"}


async def enrollment(client: httpx.AsyncClient) -> Resource:
    program_id = (await create_program(client))["id"]
    person_id = (await create_person(client))["id"]
    created = await create_enrollment(client, program_id, person_id)
    return f"/v1/programs/{program_id}/enrollments/{created['id']}", {"status": "active"}


async def person(client: httpx.AsyncClient) -> Resource:
    created = await create_person(client, nik="8272024107860001", phone="0821-8765-4321")
    return f"/v1/participants/{created['id']}", {"full_name": "Siti Hadija Umar"}


async def group(client: httpx.AsyncClient) -> Resource:
    member_id = (await create_person(client))["id"]
    created = await create_group(client, member_ids=[member_id])
    return f"/v1/participants/{created['id']}", {"name": "Kelompok Anyaman Bambu Galala"}


async def project(client: httpx.AsyncClient) -> Resource:
    created = await create_project(client)
    return f"/v1/infrastructure-projects/{created['id']}", {"progress_percent": 40}


async def consultation(client: httpx.AsyncClient) -> Resource:
    project_id = (await create_project(client))["id"]
    created = await create_consultation(client, project_id)
    url = f"/v1/infrastructure-projects/{project_id}/consultations/{created['id']}"
    return url, {"participants_count": 42}


async def contribution(client: httpx.AsyncClient) -> Resource:
    project_id = (await create_project(client))["id"]
    created = await create_contribution(client, project_id)
    url = f"/v1/infrastructure-projects/{project_id}/contributions/{created['id']}"
    return url, {"person_days": 14}


async def feedback(client: httpx.AsyncClient) -> Resource:
    created = await create_feedback(client, (await create_program(client))["id"])
    return f"/v1/feedback/{created['id']}", {"status": "acknowledged"}


async def survey(client: httpx.AsyncClient) -> Resource:
    created = await create_survey(client)
    return f"/v1/surveys/{created['id']}", {"title": "Kepuasan peserta, putaran kedua"}


async def api_client(client: httpx.AsyncClient) -> Resource:
    response = await client.post(
        "/v1/clients", json={"name": "Bappeda Malut sync", "scopes": ["programs:read"]}
    )
    assert response.status_code == 201, response.text
    return f"/v1/clients/{response.json()['id']}", {"name": "Bappeda Maluku Utara sync"}


DELETABLE: list[Builder] = [
    organization,
    area,
    program,
    enrollment,
    person,
    group,
    project,
    consultation,
    contribution,
    feedback,
    survey,
]
PATCHABLE: list[Builder] = [*DELETABLE, api_client]


def named(builders: list[Builder]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("build", builders, ids=[b.__name__ for b in builders])


@named(PATCHABLE)
async def test_patch_with_the_etag_of_a_get_succeeds(
    client: httpx.AsyncClient, build: Builder
) -> None:
    url, change = await build(client)
    etag = await etag_of(client, url)

    response = await client.patch(url, json=change, headers={"If-Match": etag})

    assert response.status_code == 200, response.text


@named(PATCHABLE)
async def test_patch_with_a_stale_etag_is_412(client: httpx.AsyncClient, build: Builder) -> None:
    url, change = await build(client)

    response = await client.patch(url, json=change, headers={"If-Match": STALE_ETAG})

    assert response.status_code == 412


@named(PATCHABLE)
async def test_a_patch_changes_the_etag(client: httpx.AsyncClient, build: Builder) -> None:
    url, change = await build(client)
    etag = await etag_of(client, url)
    await client.patch(url, json=change, headers={"If-Match": etag})

    response = await client.patch(url, json=change, headers={"If-Match": etag})

    assert response.status_code == 412


@named(PATCHABLE)
async def test_patch_answer_carries_the_etag_of_a_get(
    client: httpx.AsyncClient, build: Builder
) -> None:
    url, change = await build(client)

    patched = await client.patch(url, json=change)

    assert patched.headers["ETag"] == await etag_of(client, url)


@named(DELETABLE)
async def test_delete_with_the_etag_of_a_get_succeeds(
    client: httpx.AsyncClient, build: Builder
) -> None:
    url, _change = await build(client)
    etag = await etag_of(client, url)

    response = await client.delete(url, headers={"If-Match": etag})

    assert response.status_code == 204, response.text


@named(DELETABLE)
async def test_delete_with_a_stale_etag_is_412_and_keeps_the_resource(
    client: httpx.AsyncClient, build: Builder
) -> None:
    url, _change = await build(client)

    response = await client.delete(url, headers={"If-Match": STALE_ETAG})

    assert response.status_code == 412
    assert (await client.get(url)).status_code == 200
