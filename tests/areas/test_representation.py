"""The shared read path answers exactly what the public model `AreaPublic` writes: byte for
byte, for areas with and without every optional field, coordinates of every magnitude and text
beyond ASCII, in lists, single reads and the answers to writes."""

from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area, AreaPublic
from tests.factories import OBA_UTARA

pytestmark = pytest.mark.usefixtures("reference_areas")

_PUBLIC = TypeAdapter(AreaPublic)


async def _model_bytes(session: AsyncSession, code: str) -> bytes:
    """The area as the ORM and `AreaPublic` write it."""
    area = await session.get(Area, code)
    assert area is not None
    await session.refresh(area)
    return _PUBLIC.dump_json(AreaPublic.model_validate(area))


async def _create(client: httpx.AsyncClient, code: str, **fields: Any) -> dict[str, Any]:
    body = {"code": code, "name": "Dusun", "level": "village", "parent_code": OBA_UTARA}
    response = await client.post("/v1/areas", json=body | {"is_official": False} | fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (0.72444, 127.58056),
        (-90, 180),
        (1e-7, -179.99999999999997),
        (5e-324, 0.1 + 0.2),
        (-0.0, 3),
    ],
)
async def test_an_area_with_every_field_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, latitude: float, longitude: float
) -> None:
    area = await _create(
        client,
        f"{OBA_UTARA}-guraping",
        name='Dusun "Guraping" — Oba «Utara» 🎋',
        bps_code="8272050006",
        latitude=latitude,
        longitude=longitude,
    )

    response = await client.get(f"/v1/areas/{area['code']}")

    assert response.content == await _model_bytes(session, area["code"])


async def test_an_area_without_optional_fields_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.get(f"/v1/areas/{OBA_UTARA}")

    assert response.content == await _model_bytes(session, OBA_UTARA)


async def test_list_items_are_the_areas_as_read_one_by_one(client: httpx.AsyncClient) -> None:
    await _create(client, f"{OBA_UTARA}-guraping", latitude=0.72444, longitude=127.58056)

    listed = (await client.get("/v1/areas")).json()["data"]

    assert len(listed) > 1
    for item in listed:
        assert item == (await client.get(f"/v1/areas/{item['code']}")).json()


async def test_a_created_area_is_answered_as_a_read_would_answer_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas",
        json={
            "code": f"{OBA_UTARA}-guraping",
            "name": "Dusun Guraping",
            "level": "village",
            "parent_code": OBA_UTARA,
            "is_official": False,
            "latitude": 0.72444,
            "longitude": 127.58056,
        },
    )

    assert response.content == (await client.get(response.headers["Location"])).content


async def test_an_updated_area_is_answered_as_the_next_read_answers_it(
    client: httpx.AsyncClient,
) -> None:
    area = await _create(client, f"{OBA_UTARA}-guraping", bps_code="8272050006")
    url = f"/v1/areas/{area['code']}"

    response = await client.patch(
        url, json={"bps_code": None, "latitude": 1, "longitude": 127.58056, "name": "Baru ✓"}
    )

    following = await client.get(url)
    assert response.content == following.content
    assert response.headers["ETag"] == following.headers["ETag"]


async def test_a_deleted_area_in_a_sync_list_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    area = await _create(client, f"{OBA_UTARA}-guraping", latitude=0.5, longitude=127.5)
    assert (await client.delete(f"/v1/areas/{area['code']}")).status_code == 204

    listed = await client.get("/v1/areas", params={"include_deleted": "true"})

    item = next(item for item in listed.json()["data"] if item["code"] == area["code"])
    stored = await session.get(Area, area["code"])
    assert stored is not None
    await session.refresh(stored)
    assert item == _PUBLIC.dump_python(AreaPublic.model_validate(stored), mode="json")
