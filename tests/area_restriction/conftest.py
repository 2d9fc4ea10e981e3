"""Data in and around Oba Utara (82.72.02), and partners bound to it or to no area.

Sofifi (82.72.02.1003) and Guraping (82.72.02-guraping) lie inside the district; Soasio
(82.72.01.1001, district Tidore) and Kota Ternate (82.71) lie outside it.
"""

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_organization,
    create_program,
    create_project,
    create_reference_areas,
)

GURAPING = "82.72.02-guraping"
TIDORE = "82.72.01"
SOASIO = "82.72.01.1001"
TERNATE = "82.71"

SCOPES = [
    f"{resource}:{access}"
    for resource in ("organizations", "areas", "programs", "projects", "feedback", "participants")
    for access in ("read", "write")
]

Json = dict[str, Any]


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def all_ids(partner: httpx.AsyncClient, path: str) -> list[str]:
    """Every id of a collection, following `next_cursor` one item per page."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        response = await partner.get(path, params=params)
        found += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found


def assert_out_of_scope(response: httpx.Response, *codes: str) -> None:
    """A stored row is refused: `area_codes` names its areas outside the client's."""
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["type"] == "/problems/area-out-of-scope"
    assert body["area_codes"] == sorted(codes)
    for code in codes:
        assert code in body["detail"]


def assert_fields_out_of_scope(response: httpx.Response, *fields: str) -> None:
    """Sent values are refused: each field is named, its value never repeated."""
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["type"] == "/problems/area-out-of-scope"
    assert "area_codes" not in body
    assert [error["field"] for error in body["errors"]] == list(fields)
    for field in fields:
        assert field in body["detail"]


@pytest.fixture
async def areas(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
    for body in (
        {"code": TERNATE, "name": "Kota Ternate", "level": "regency", "parent_code": "82"},
        {"code": TIDORE, "name": "Tidore", "level": "district", "parent_code": "82.72"},
        {"code": SOASIO, "name": "Soasio", "level": "village", "parent_code": TIDORE},
        {
            "code": GURAPING,
            "name": "Guraping",
            "level": "village",
            "parent_code": OBA_UTARA,
            "is_official": False,
        },
    ):
        response = await client.post("/v1/areas", json=body)
        assert response.status_code == 201, response.text


@pytest.fixture
async def lead(client: httpx.AsyncClient, areas: None) -> Json:
    return await create_organization(client, area_code="82")


@pytest.fixture
async def district_partner(make_client: ClientFactory, areas: None) -> httpx.AsyncClient:
    """A partner with every read and write scope, bound to the district Oba Utara."""
    return await make_client(*SCOPES, area_codes=[OBA_UTARA], name="Mitra Oba Utara")


@pytest.fixture
async def unrestricted_partner(make_client: ClientFactory, areas: None) -> httpx.AsyncClient:
    """A partner with the same scopes, bound to no area."""
    return await make_client(*SCOPES, name="Dinas provinsi")


PLACES: dict[str, list[str]] = {
    "sofifi": [SOFIFI],
    "guraping": [GURAPING],
    "soasio": [SOASIO],
    "ternate": [TERNATE],
    "shared": [SOFIFI, SOASIO],
    "nowhere": [],
}
VISIBLE = ["sofifi", "guraping", "shared"]


@pytest.fixture
async def programs(client: httpx.AsyncClient, lead: Json) -> dict[str, Json]:
    """A program per place in PLACES, in creation order."""
    return {
        name: await create_program(client, lead["id"], title=f"Program {name}", area_codes=codes)
        for name, codes in PLACES.items()
    }


@pytest.fixture
async def projects(client: httpx.AsyncClient, areas: None) -> dict[str, Json]:
    """A project per place in PLACES, in creation order."""
    return {
        name: await create_project(client, title=f"Jalan {name}", area_codes=codes)
        for name, codes in PLACES.items()
    }
