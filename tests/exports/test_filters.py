"""An export takes its list's filters, by the same names, and narrows exactly as the list does."""

import httpx
import pytest
from tests.exports.conftest import (
    GURAPING,
    SOASIO,
    Json,
    csv_rows,
    list_items,
    ndjson_items,
)
from tests.factories import SOFIFI

FILTERS = [
    ("organizations", {"kind": "ngo"}),
    ("organizations", {"area_code": SOFIFI, "q": "tani"}),
    ("areas", {"level": "village"}),
    ("areas", {"parent_code": "82.72.02", "is_official": "false"}),
    ("programs", {"area_code": SOASIO}),
    ("programs", {"status": "planned"}),
    ("programs", {"active_on": "2026-03-01", "category": "education_skills"}),
    ("participants", {"kind": "person", "area_code": GURAPING}),
    ("participants", {"birth_year_from": "1985", "q": "a"}),
    ("infrastructure-projects", {"project_type": "bridge"}),
    ("infrastructure-projects", {"area_code": SOFIFI, "q": "pasar"}),
    ("feedback", {"min_rating": "3"}),
    (
        "feedback",
        {"submitted_from": "2026-05-02T00:00:00Z", "submitted_to": "2026-06-01T00:00:00Z"},
    ),
    ("feedback", {"client_ref": "tab-07/0042"}),
]


@pytest.mark.parametrize(("collection", "params"), FILTERS)
async def test_filters_narrow_the_export_as_they_narrow_the_list(
    client: httpx.AsyncClient,
    world: dict[str, list[Json]],
    collection: str,
    params: dict[str, str],
) -> None:
    listed = await list_items(client, f"/v1/{collection}", **params)
    everything = await list_items(client, f"/v1/{collection}")
    assert 0 < len(listed) < len(everything)

    exported = ndjson_items(
        await client.get(f"/v1/exports/{collection}", params=params | {"format": "ndjson"})
    )
    rows = csv_rows(await client.get(f"/v1/exports/{collection}", params=params))

    assert exported == listed
    assert len(rows) == len(listed)


async def test_tombstones_are_exported_only_with_include_deleted(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    deleted = world["feedback"][0]["id"]
    assert (await client.delete(f"/v1/feedback/{deleted}")).status_code == 204

    live = ndjson_items(await client.get("/v1/exports/feedback", params={"format": "ndjson"}))
    every = ndjson_items(
        await client.get(
            "/v1/exports/feedback", params={"format": "ndjson", "include_deleted": "true"}
        )
    )

    assert deleted not in [item["id"] for item in live]
    assert every == await list_items(client, "/v1/feedback", include_deleted="true")
    assert [item["deleted_at"] is not None for item in every].count(True) == 1


async def test_updated_since_exports_only_what_changed_since(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    program_id = world["programs"][1]["id"]
    changed = await client.patch(f"/v1/programs/{program_id}", json={"status": "active"})
    since = changed.json()["updated_at"]

    exported = ndjson_items(
        await client.get(
            "/v1/exports/programs", params={"format": "ndjson", "updated_since": since}
        )
    )

    assert exported == await list_items(client, "/v1/programs", updated_since=since)
    assert [item["id"] for item in exported] == [program_id]


async def test_a_filter_the_list_refuses_is_refused_before_streaming(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/exports/feedback",
        params={"submitted_from": "2026-06-01T00:00:00Z", "submitted_to": "2026-05-01T00:00:00Z"},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "submitted_to"
    assert "content-disposition" not in response.headers


async def test_a_malformed_filter_is_422_as_in_the_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/exports/programs", params={"status": "paused"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("wanted", ["approved", "received,rejected"])
async def test_the_review_status_filter_narrows_the_export_as_it_narrows_the_list(
    client: httpx.AsyncClient, world: dict[str, list[Json]], wanted: str
) -> None:
    reviews = {0: "approved", 1: "rejected", 2: "approved"}
    for index, status in reviews.items():
        feedback = world["feedback"][index]
        reviewed = await client.post(
            f"/v1/feedback/{feedback['id']}/review", json={"review_status": status}
        )
        assert reviewed.status_code == 200, reviewed.text
    params = {"review_status": wanted}
    listed = await list_items(client, "/v1/feedback", **params)
    assert 0 < len(listed) < len(world["feedback"])

    exported = ndjson_items(
        await client.get("/v1/exports/feedback", params=params | {"format": "ndjson"})
    )
    rows = csv_rows(await client.get("/v1/exports/feedback", params=params))

    assert exported == listed
    assert [row["review_status"] for row in rows] == [item["review_status"] for item in listed]
