"""A client restricted to areas sees and writes only participants in those areas (and below)."""

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory, QueryCounter
from tests.factories import OBA_UTARA, SOFIFI, create_group, create_person
from tests.participants.conftest import TERNATE

pytestmark = pytest.mark.usefixtures("areas")


@pytest.fixture
async def oba_utara(make_client: ClientFactory) -> httpx.AsyncClient:
    """A district office that may see and change participants of Oba Utara only."""
    return await make_client(
        "participants:read", "participants:write", "participants:pii", area_codes=[OBA_UTARA]
    )


@pytest.fixture
async def in_ternate(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_person(client, full_name="Rahmawati Ternate", area_code=TERNATE)


async def test_list_shows_only_participants_in_the_client_areas(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    in_district = await create_person(client, area_code=OBA_UTARA)
    in_village = await create_person(client, area_code=SOFIFI)
    await create_person(client, full_name="Tanpa Wilayah")

    data = (await oba_utara.get("/v1/participants")).json()["data"]

    assert [p["id"] for p in data] == [in_district["id"], in_village["id"]]


async def test_list_issues_the_same_number_of_queries_for_a_restricted_client(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    for n in range(3):
        member = await create_person(client, full_name=f"Anggota {n}", area_code=SOFIFI)
        await create_group(
            client, name=f"Kelompok {n}", member_ids=[member["id"]], area_code=SOFIFI
        )

    async def queries_for(limit: int) -> int:
        before = count_queries.count
        response = await oba_utara.get("/v1/participants", params={"limit": limit})
        assert response.status_code == 200
        return count_queries.count - before

    await queries_for(2)  # authenticates once: both counts below find the credential held

    assert await queries_for(2) == await queries_for(50)


async def test_get_of_a_participant_in_another_area_is_404(
    oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    response = await oba_utara.get(f"/v1/participants/{in_ternate['id']}")

    assert response.status_code == 404


async def test_get_of_a_participant_without_area_is_404(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient
) -> None:
    nowhere = await create_person(client)

    response = await oba_utara.get(f"/v1/participants/{nowhere['id']}")

    assert response.status_code == 404


async def test_get_of_a_participant_below_the_client_area_is_200(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient
) -> None:
    in_village = await create_person(client, area_code=SOFIFI)

    response = await oba_utara.get(f"/v1/participants/{in_village['id']}")

    assert response.status_code == 200


async def test_patch_of_a_participant_in_another_area_is_404_and_changes_nothing(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    response = await oba_utara.patch(
        f"/v1/participants/{in_ternate['id']}", json={"full_name": "Diubah"}
    )

    assert response.status_code == 404
    fetched = (await client.get(f"/v1/participants/{in_ternate['id']}")).json()
    assert fetched["full_name"] == in_ternate["full_name"]


async def test_delete_of_a_participant_in_another_area_is_404(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    response = await oba_utara.delete(f"/v1/participants/{in_ternate['id']}")

    assert response.status_code == 404
    assert (await client.get(f"/v1/participants/{in_ternate['id']}")).status_code == 200


async def test_erasure_of_a_participant_in_another_area_is_404(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    response = await oba_utara.post(f"/v1/participants/{in_ternate['id']}/erasure")

    assert response.status_code == 404
    fetched = (await client.get(f"/v1/participants/{in_ternate['id']}")).json()
    assert fetched["erased_at"] is None


async def test_create_in_another_area_is_403_naming_area_code(
    oba_utara: httpx.AsyncClient,
) -> None:
    response = await oba_utara.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti", "area_code": TERNATE}
    )

    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("/problems/area-out-of-scope")
    assert TERNATE not in response.text
    [error] = body["errors"]
    assert (error["field"], error["code"]) == ("area_code", "area_out_of_scope")


async def test_create_without_area_is_403_for_a_restricted_client(
    oba_utara: httpx.AsyncClient,
) -> None:
    response = await oba_utara.post("/v1/participants", json={"kind": "person", "full_name": "S"})

    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "area_code"


async def test_create_in_an_area_below_the_client_area_is_201(
    oba_utara: httpx.AsyncClient,
) -> None:
    response = await oba_utara.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti", "area_code": SOFIFI}
    )

    assert response.status_code == 201


async def test_patch_moving_a_participant_out_of_the_client_areas_is_403(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient
) -> None:
    local = await create_person(client, area_code=SOFIFI)

    moved = await oba_utara.patch(f"/v1/participants/{local['id']}", json={"area_code": TERNATE})
    cleared = await oba_utara.patch(f"/v1/participants/{local['id']}", json={"area_code": None})

    assert moved.status_code == 403
    assert moved.json()["errors"][0]["field"] == "area_code"
    assert cleared.status_code == 403
    fetched = (await client.get(f"/v1/participants/{local['id']}")).json()
    assert fetched["area_code"] == SOFIFI


async def test_group_with_a_member_in_another_area_is_422_as_unknown(
    oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    response = await oba_utara.post(
        "/v1/participants",
        json={
            "kind": "group",
            "name": "Kelompok Anyaman",
            "area_code": SOFIFI,
            "member_ids": [in_ternate["id"]],
        },
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("member_ids", "unknown_reference")


async def test_group_shows_only_members_in_the_client_areas(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    local = await create_person(client, area_code=SOFIFI)
    group = await create_group(client, member_ids=[local["id"], in_ternate["id"]], area_code=SOFIFI)

    fetched = (await oba_utara.get(f"/v1/participants/{group['id']}")).json()
    listed = (await oba_utara.get("/v1/participants?kind=group")).json()["data"]

    assert fetched["member_ids"] == [local["id"]]
    assert fetched["members_count"] == 1
    assert listed[0]["member_ids"] == [local["id"]]


async def test_member_ids_patch_keeps_members_outside_the_client_areas(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    first = await create_person(client, area_code=SOFIFI)
    second = await create_person(client, full_name="Nurlela Abdullah", area_code=SOFIFI)
    group = await create_group(client, member_ids=[first["id"], in_ternate["id"]], area_code=SOFIFI)

    response = await oba_utara.patch(
        f"/v1/participants/{group['id']}", json={"member_ids": [second["id"]]}
    )

    assert response.status_code == 200
    assert response.json()["member_ids"] == [second["id"]]
    everyone = (await client.get(f"/v1/participants/{group['id']}")).json()
    assert everyone["member_ids"] == sorted([second["id"], in_ternate["id"]])


async def test_member_filter_on_a_person_in_another_area_lists_nothing(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient, in_ternate: dict[str, Any]
) -> None:
    await create_group(client, member_ids=[in_ternate["id"]], area_code=SOFIFI)

    response = await oba_utara.get(f"/v1/participants?member_id={in_ternate['id']}")

    assert response.json()["data"] == []


async def test_group_filter_on_a_group_in_another_area_lists_nothing(
    client: httpx.AsyncClient, oba_utara: httpx.AsyncClient
) -> None:
    local = await create_person(client, area_code=SOFIFI)
    group = await create_group(client, member_ids=[local["id"]], area_code=TERNATE)

    response = await oba_utara.get(f"/v1/participants?group_id={group['id']}")

    assert response.json()["data"] == []
