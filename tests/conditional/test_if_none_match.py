"""If-None-Match on GET: 304 Not Modified while the client's copy is current."""

from typing import Any

import httpx
import pytest

from tests.conditional.conftest import etag_of

OTHER_ETAG = '"0000000000000000000000000000000000000000000000000000000000000000"'


async def test_matching_if_none_match_is_304_without_body(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.get(program_url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""


async def test_304_carries_the_etag_and_the_usual_headers(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.get(program_url, headers={"If-None-Match": etag})

    assert response.headers["ETag"] == etag
    assert "Authorization" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Request-Id"]
    assert response.headers["RateLimit"]
    assert "Content-Type" not in response.headers


async def test_if_none_match_star_is_304(client: httpx.AsyncClient, program_url: str) -> None:
    response = await client.get(program_url, headers={"If-None-Match": "*"})

    assert response.status_code == 304


async def test_a_list_of_tags_including_the_current_one_is_304(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.get(program_url, headers={"If-None-Match": f"{OTHER_ETAG}, {etag}"})

    assert response.status_code == 304


async def test_the_weak_form_of_the_current_tag_is_304(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.get(program_url, headers={"If-None-Match": f"W/{etag}"})

    assert response.status_code == 304


async def test_non_matching_if_none_match_is_200_with_the_body(
    client: httpx.AsyncClient, program: dict[str, Any], program_url: str
) -> None:
    response = await client.get(program_url, headers={"If-None-Match": OTHER_ETAG})

    assert response.status_code == 200
    assert response.json()["id"] == program["id"]


async def test_a_copy_outdated_by_a_patch_is_sent_again(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)
    await client.patch(program_url, json={"status": "completed"})

    response = await client.get(program_url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.headers["ETag"] != etag


@pytest.mark.parametrize("header", ["no-quotes", '"unterminated', "W/", ""])
async def test_a_malformed_if_none_match_is_ignored(
    client: httpx.AsyncClient, program_url: str, header: str
) -> None:
    response = await client.get(program_url, headers={"If-None-Match": header})

    assert response.status_code == 200


async def test_a_list_page_revalidates_with_if_none_match(
    client: httpx.AsyncClient, program: dict[str, Any]
) -> None:
    etag = await etag_of(client, "/v1/programs?limit=10")

    response = await client.get("/v1/programs?limit=10", headers={"If-None-Match": etag})

    assert response.status_code == 304
