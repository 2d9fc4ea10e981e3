"""Enrollments, consultations and contributions: exported as their parent's list shows them,
for one parent (the parent filter) or for every parent the client sees."""

import httpx
import pytest
from tests.conftest import ClientFactory
from tests.exports.conftest import (
    CHUNK_ROWS,
    Json,
    assert_csv_is_items,
    csv_rows,
    list_items,
    ndjson_items,
)
from tests.factories import OBA_UTARA, create_program, create_project

MISSING = "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"

# (collection, parents in the world, parent filter, the parent's list path, scope)
SUB_COLLECTIONS = [
    ("enrollments", "programs", "program_id", "/v1/programs/{}/enrollments", "programs:read"),
    (
        "consultations",
        "projects",
        "project_id",
        "/v1/infrastructure-projects/{}/consultations",
        "projects:read",
    ),
    (
        "contributions",
        "projects",
        "project_id",
        "/v1/infrastructure-projects/{}/contributions",
        "projects:read",
    ),
]


async def every_parents_items(
    partner: httpx.AsyncClient, parents: list[Json], path: str, **params: str
) -> list[Json]:
    """The items of every parent's list the partner may read, in creation order."""
    items: list[Json] = []
    for parent in parents:
        if (await partner.get(path.format(parent["id"]))).status_code == 200:
            items += await list_items(partner, path.format(parent["id"]), **params)
    return sorted(items, key=lambda item: item["id"])


@pytest.mark.parametrize(("collection", "parents", "key", "path", "scope"), SUB_COLLECTIONS)
async def test_a_parents_export_equals_its_list(
    client: httpx.AsyncClient,
    world: dict[str, list[Json]],
    collection: str,
    parents: str,
    key: str,
    path: str,
    scope: str,
) -> None:
    parent = world[parents][0]["id"]
    items = await list_items(client, path.format(parent))
    assert len(items) >= CHUNK_ROWS

    exported = ndjson_items(
        await client.get(f"/v1/exports/{collection}", params={key: parent, "format": "ndjson"})
    )
    rows = csv_rows(await client.get(f"/v1/exports/{collection}", params={key: parent}))

    assert exported == items
    assert_csv_is_items(rows, items)


@pytest.mark.parametrize(("collection", "parents", "key", "path", "scope"), SUB_COLLECTIONS)
async def test_without_a_parent_the_export_holds_every_parents_items(
    client: httpx.AsyncClient,
    world: dict[str, list[Json]],
    collection: str,
    parents: str,
    key: str,
    path: str,
    scope: str,
) -> None:
    items = await every_parents_items(client, world[parents], path)
    assert len(items) > 2 * CHUNK_ROWS

    exported = ndjson_items(
        await client.get(f"/v1/exports/{collection}", params={"format": "ndjson"})
    )
    rows = csv_rows(await client.get(f"/v1/exports/{collection}"))

    assert exported == items
    assert_csv_is_items(rows, items)


@pytest.mark.parametrize(("collection", "parents", "key", "path", "scope"), SUB_COLLECTIONS)
async def test_a_client_bound_to_areas_exports_what_its_parents_lists_show(
    make_client: ClientFactory,
    client: httpx.AsyncClient,
    world: dict[str, list[Json]],
    collection: str,
    parents: str,
    key: str,
    path: str,
    scope: str,
) -> None:
    partner = await make_client(scope, area_codes=[OBA_UTARA])
    items = await every_parents_items(partner, world[parents], path)
    assert 0 < len(items) < len(await every_parents_items(client, world[parents], path))

    exported = ndjson_items(
        await partner.get(f"/v1/exports/{collection}", params={"format": "ndjson"})
    )

    assert exported == items


async def test_the_sub_collection_filters_narrow_the_export_as_the_list(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    program = world["programs"][0]["id"]
    path = f"/v1/programs/{program}/enrollments"

    exported = ndjson_items(
        await client.get(
            "/v1/exports/enrollments",
            params={"program_id": program, "status": "completed", "format": "ndjson"},
        )
    )

    assert exported == await list_items(client, path, status="completed")
    assert len(exported) == 1


async def test_consultation_dates_in_the_wrong_order_are_422(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/exports/consultations", params={"held_from": "2026-05-01", "held_to": "2026-04-01"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "held_to"


@pytest.mark.parametrize(("collection", "parents", "key", "path", "scope"), SUB_COLLECTIONS)
async def test_a_missing_parent_is_404_as_for_its_list(
    client: httpx.AsyncClient, collection: str, parents: str, key: str, path: str, scope: str
) -> None:
    listed = await client.get(path.format(MISSING))
    exported = await client.get(f"/v1/exports/{collection}", params={key: MISSING})

    assert (listed.status_code, exported.status_code) == (404, 404)
    assert exported.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("collection", "parents", "key", "path", "scope"), SUB_COLLECTIONS)
async def test_a_deleted_parent_is_404_as_for_its_list(
    client: httpx.AsyncClient, collection: str, parents: str, key: str, path: str, scope: str
) -> None:
    if parents == "programs":
        parent = await create_program(client)
        assert (await client.delete(f"/v1/programs/{parent['id']}")).status_code == 204
    else:
        parent = await create_project(client)
        deleted = await client.delete(f"/v1/infrastructure-projects/{parent['id']}")
        assert deleted.status_code == 204

    listed = await client.get(path.format(parent["id"]))
    exported = await client.get(f"/v1/exports/{collection}", params={key: parent["id"]})

    assert (listed.status_code, exported.status_code) == (404, 404)
