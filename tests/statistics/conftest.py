"""A program, areas around Sofifi, and planners with and without `participants:pii`.

Sofifi (82.72.02.1003) and Guraping (82.72.02-guraping) lie in the district Oba Utara
(82.72.02); Soasio (82.72.01.1001) lies in the district Tidore (82.72.01).
"""

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_enrollment,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_reference_areas,
)

GURAPING = "82.72.02-guraping"
TIDORE = "82.72.01"
SOASIO = "82.72.01.1001"
READ_SCOPES = ("programs:read", "areas:read", "feedback:read")

Json = dict[str, Any]


@pytest.fixture
async def areas(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
    for body in (
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
async def program(client: httpx.AsyncClient, lead: Json) -> Json:
    """A program shared by both districts."""
    return await create_program(client, lead["id"], area_codes=[SOFIFI, GURAPING, SOASIO])


@pytest.fixture
async def planner(make_client: ClientFactory, areas: None) -> httpx.AsyncClient:
    """A provincial planner without `participants:pii`: small counts are suppressed."""
    return await make_client(*READ_SCOPES, name="Bappeda Malut")


@pytest.fixture
async def pii_planner(make_client: ClientFactory, areas: None) -> httpx.AsyncClient:
    """A planner holding `participants:pii`: every figure is exact."""
    return await make_client(*READ_SCOPES, "participants:pii", name="Dinas Sosial")


@pytest.fixture
async def district_planner(make_client: ClientFactory, areas: None) -> httpx.AsyncClient:
    """A planner with `participants:pii`, bound to the district Oba Utara."""
    return await make_client(
        *READ_SCOPES, "participants:pii", area_codes=[OBA_UTARA], name="Mitra Oba Utara"
    )


async def enroll(
    client: httpx.AsyncClient,
    program_id: str,
    count: int,
    *,
    person: Json | None = None,
    **enrollment: Any,
) -> list[Json]:
    """Registers `count` persons (female, in Sofifi unless `person` says otherwise) and enrolls
    each in the program."""
    enrolled = []
    for _ in range(count):
        fields = {"area_code": SOFIFI} | (person or {})
        participant = await create_person(client, **fields)
        enrolled.append(
            await create_enrollment(client, program_id, participant["id"], **enrollment)
        )
    return enrolled


async def enroll_group(client: httpx.AsyncClient, program_id: str, **fields: Any) -> Json:
    group = await create_group(client, **({"area_code": SOFIFI} | fields))
    return await create_enrollment(client, program_id, group["id"])


def cells(breakdown: list[Json]) -> dict[str, int | None]:
    """`{key: count}` of a breakdown's cells."""
    return {cell["key"]: cell["count"] for cell in breakdown}


def suppressed(breakdown: list[Json]) -> set[str]:
    return {cell["key"] for cell in breakdown if cell["suppressed"]}


async def fetch(partner: httpx.AsyncClient, path: str, **params: Any) -> Json:
    response = await partner.get(path, params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body
