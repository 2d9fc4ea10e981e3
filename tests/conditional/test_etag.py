"""Every successful JSON GET carries a strong ETag of what it answered."""

import hashlib
from typing import Any

import httpx

from tests.conditional.conftest import STRONG_ETAG, etag_of
from tests.factories import create_program


async def test_a_resource_carries_a_strong_etag(
    client: httpx.AsyncClient, program_url: str
) -> None:
    response = await client.get(program_url)

    assert STRONG_ETAG.match(response.headers["ETag"])


async def test_etag_is_stable_while_the_resource_is_unchanged(
    client: httpx.AsyncClient, program_url: str
) -> None:
    assert await etag_of(client, program_url) == await etag_of(client, program_url)


async def test_etag_changes_after_a_patch(client: httpx.AsyncClient, program_url: str) -> None:
    before = await etag_of(client, program_url)
    assert (await client.patch(program_url, json={"budget_idr": 200_000_000})).status_code == 200

    assert await etag_of(client, program_url) != before


async def test_etag_is_the_sha256_of_the_body_sent(
    client: httpx.AsyncClient, program_url: str
) -> None:
    response = await client.get(program_url)

    assert response.headers["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'


async def test_a_list_page_carries_an_etag(
    client: httpx.AsyncClient, program: dict[str, Any]
) -> None:
    response = await client.get("/v1/programs")

    assert STRONG_ETAG.match(response.headers["ETag"])


async def test_a_list_page_etag_changes_when_a_resource_on_it_is_added(
    client: httpx.AsyncClient, program: dict[str, Any]
) -> None:
    before = await etag_of(client, "/v1/programs")
    await create_program(client, program["lead_organization_id"], title="Pertanian organik")

    assert await etag_of(client, "/v1/programs") != before


async def test_tagged_answers_vary_by_credential_and_must_be_revalidated(
    client: httpx.AsyncClient, program_url: str
) -> None:
    response = await client.get(program_url)

    assert "Authorization" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "private, no-cache"


async def test_error_answers_carry_no_etag(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/programs/00000000-0000-7000-8000-000000000000")

    assert response.status_code == 404
    assert "ETag" not in response.headers


async def test_creation_answers_carry_no_etag(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/organizations", json={"name": "Yayasan Bambu Lestari", "kind": "ngo"}
    )

    assert response.status_code == 201
    assert "ETag" not in response.headers


async def test_patch_answer_carries_the_etag_a_get_now_gives(
    client: httpx.AsyncClient, program_url: str
) -> None:
    patched = await client.patch(program_url, json={"budget_idr": 200_000_000})

    assert patched.headers["ETag"] == await etag_of(client, program_url)


async def test_patch_answer_tag_makes_the_next_write_conditional(
    client: httpx.AsyncClient, program_url: str
) -> None:
    patched = await client.patch(program_url, json={"budget_idr": 200_000_000})

    again = await client.patch(
        program_url, json={"budget_idr": 210_000_000}, headers={"If-Match": patched.headers["ETag"]}
    )

    assert again.status_code == 200
