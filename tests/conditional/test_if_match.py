"""If-Match on PATCH and DELETE: the write happens only if the resource is as the client read it."""

from typing import Any

import httpx
import pytest

from tests.conditional.conftest import etag_of

STALE_ETAG = '"0000000000000000000000000000000000000000000000000000000000000000"'


async def test_patch_with_the_current_etag_succeeds(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": etag}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "completed"


async def test_patch_with_a_stale_etag_is_412_precondition_failed(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)
    await client.patch(program_url, json={"budget_idr": 200_000_000})

    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": etag}
    )

    assert response.status_code == 412
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/precondition-failed"
    assert "changed since" in response.json()["detail"]


async def test_patch_with_a_stale_etag_changes_nothing(
    client: httpx.AsyncClient, program_url: str
) -> None:
    await client.patch(program_url, json={"status": "completed"}, headers={"If-Match": STALE_ETAG})

    assert (await client.get(program_url)).json()["status"] == "active"


async def test_patch_with_star_succeeds_on_an_existing_resource(
    client: httpx.AsyncClient, program_url: str
) -> None:
    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": "*"}
    )

    assert response.status_code == 200


async def test_a_list_of_tags_including_the_current_one_succeeds(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": f"{STALE_ETAG}, {etag}"}
    )

    assert response.status_code == 200


async def test_the_weak_form_of_the_current_tag_never_matches(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": f"W/{etag}"}
    )

    assert response.status_code == 412


@pytest.mark.parametrize("header", ["no-quotes", '"unterminated', '"a" "b"', "*, *", ""])
async def test_a_malformed_if_match_is_400_and_changes_nothing(
    client: httpx.AsyncClient, program_url: str, header: str
) -> None:
    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": header}
    )

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/invalid-if-match"
    assert (await client.get(program_url)).json()["status"] == "active"


async def test_patch_without_if_match_is_unconditional(
    client: httpx.AsyncClient, program_url: str
) -> None:
    await client.patch(program_url, json={"budget_idr": 200_000_000})

    response = await client.patch(program_url, json={"status": "completed"})

    assert response.status_code == 200


async def test_delete_with_the_current_etag_is_204(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)

    response = await client.delete(program_url, headers={"If-Match": etag})

    assert response.status_code == 204
    assert (await client.get(program_url)).status_code == 404


async def test_delete_with_a_stale_etag_is_412_and_keeps_the_resource(
    client: httpx.AsyncClient, program_url: str
) -> None:
    etag = await etag_of(client, program_url)
    await client.patch(program_url, json={"budget_idr": 200_000_000})

    response = await client.delete(program_url, headers={"If-Match": etag})

    assert response.status_code == 412
    assert (await client.get(program_url)).status_code == 200


async def test_if_match_on_a_deleted_resource_is_404(
    client: httpx.AsyncClient, program: dict[str, Any], program_url: str
) -> None:
    etag = await etag_of(client, program_url)
    await client.delete(program_url)

    response = await client.patch(
        program_url, json={"status": "completed"}, headers={"If-Match": etag}
    )

    assert response.status_code == 404
