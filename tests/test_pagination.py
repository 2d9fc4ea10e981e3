"""Keyset pagination: limits, signed cursors and a walk through a large collection."""

import base64
import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import new_id, utcnow
from sofifi_api.organizations.models import Organization
from tests.factories import create_organization

LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


async def insert_organizations(session: AsyncSession, count: int) -> set[str]:
    """Many organizations in one statement, much faster than one request each."""
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "name": f"Kelompok Tani {number:05d}",
            "kind": "community",
            "created_at": now,
            "updated_at": now + timedelta(microseconds=number),
        }
        for number in range(count)
    ]
    await session.exec(insert(Organization), params=rows)
    await session.commit()
    return {str(row["id"]) for row in rows}


async def first_page_cursor(client: httpx.AsyncClient) -> str:
    for _ in range(3):
        await create_organization(client)
    cursor: str = (await client.get("/v1/organizations?limit=1")).json()["next_cursor"]
    return cursor


@pytest.mark.parametrize("limit", ["0", "-1", "501", "10000", "ten", "2.5"])
async def test_limit_out_of_range_or_not_a_number_is_422(
    client: httpx.AsyncClient, limit: str
) -> None:
    response = await client.get("/v1/organizations", params={"limit": limit})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "limit"


async def test_limit_of_500_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/organizations", params={"limit": 500})

    assert response.status_code == 200


async def test_cursor_with_a_flipped_character_is_400(client: httpx.AsyncClient) -> None:
    cursor = await first_page_cursor(client)
    position = len(cursor) // 3
    flipped = "A" if cursor[position] != "A" else "B"
    tampered = cursor[:position] + flipped + cursor[position + 1 :]

    response = await client.get("/v1/organizations", params={"cursor": tampered})

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.mark.parametrize("cursor", ["garbage", "%%%", "....", "eyJ2IjoxfQ.", "a" * 512])
async def test_garbage_cursor_is_400(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get("/v1/organizations", params={"cursor": cursor})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_unsigned_cursor_that_looks_valid_is_400(client: httpx.AsyncClient) -> None:
    payload = json.dumps({"v": 1, "k": str(new_id())}).encode()
    unsigned = base64.urlsafe_b64encode(payload).decode().rstrip("=")

    without_signature = await client.get("/v1/organizations", params={"cursor": unsigned})
    with_made_up_signature = await client.get(
        "/v1/organizations", params={"cursor": f"{unsigned}.c2lnbmF0dXJl"}
    )

    assert without_signature.status_code == 400
    assert with_made_up_signature.status_code == 400


async def test_next_cursor_is_null_on_the_last_page(client: httpx.AsyncClient) -> None:
    for _ in range(2):
        await create_organization(client)

    response = await client.get("/v1/organizations", params={"limit": 2})

    assert response.json()["next_cursor"] is None
    assert "Link" not in response.headers


async def test_order_is_stable_across_requests(client: httpx.AsyncClient) -> None:
    for number in range(5):
        await create_organization(client, name=f"LSM {number}")

    first = (await client.get("/v1/organizations")).json()["data"]
    second = (await client.get("/v1/organizations")).json()["data"]

    assert [o["id"] for o in first] == [o["id"] for o in second]
    assert [o["id"] for o in first] == sorted(o["id"] for o in first)


async def test_link_header_names_the_next_page(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await create_organization(client)

    first = await client.get("/v1/organizations", params={"limit": 2})
    match = LINK_NEXT.fullmatch(first.headers["Link"])
    assert match is not None
    by_link = await client.get(match.group(1))
    by_cursor = await client.get(
        "/v1/organizations", params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )

    assert by_link.status_code == 200
    assert by_link.json() == by_cursor.json()
    assert len(by_link.json()["data"]) == 1


async def test_paging_through_ten_thousand_rows_returns_each_exactly_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    inserted = await insert_organizations(session, 10_001)

    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    while True:
        response = await client.get("/v1/organizations", params=params)
        assert response.status_code == 200
        page = response.json()
        pages.append(page)
        seen.extend(organization["id"] for organization in page["data"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert len(seen) == len(set(seen)) == len(inserted)
    assert set(seen) == inserted
    assert seen == sorted(seen)
    assert len(pages) == 21
    assert all(len(page["data"]) == 500 for page in pages[:-1])


async def test_link_header_walks_a_large_collection(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    inserted = await insert_organizations(session, 10_001)

    seen: list[str] = []
    url: str | None = "/v1/organizations?limit=500"
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200
        seen.extend(organization["id"] for organization in response.json()["data"])
        match = LINK_NEXT.fullmatch(response.headers.get("Link", ""))
        url = match.group(1) if match else None

    assert len(seen) == len(set(seen))
    assert set(seen) == inserted
