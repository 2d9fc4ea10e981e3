from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import QueryCounter
from tests.factories import create_feedback
from tests.feedback.conftest import add_program, add_project


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/v1/feedback", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_list_is_in_creation_order(client: httpx.AsyncClient, program_id: str) -> None:
    first = await create_feedback(client, program_id)
    second = await create_feedback(client, program_id)

    assert await _ids(client) == [first["id"], second["id"]]


async def test_list_pages_with_cursor_and_link(client: httpx.AsyncClient, program_id: str) -> None:
    created = [(await create_feedback(client, program_id))["id"] for _ in range(3)]

    first = await client.get("/v1/feedback", params={"limit": 2})
    cursor = first.json()["next_cursor"]
    second = await client.get("/v1/feedback", params={"limit": 2, "cursor": cursor})

    assert [item["id"] for item in first.json()["data"]] == created[:2]
    assert 'rel="next"' in first.headers["Link"]
    assert [item["id"] for item in second.json()["data"]] == created[2:]
    assert second.json()["next_cursor"] is None


async def test_list_filters_by_program(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    other_program = await add_program(session)
    wanted = await create_feedback(client, program_id)
    await create_feedback(client, other_program)

    assert await _ids(client, program_id=program_id) == [wanted["id"]]


async def test_list_filters_by_infrastructure_project(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str, project_id: str
) -> None:
    other_project = await add_project(session)
    wanted = await create_feedback(client, infrastructure_project_id=project_id)
    await create_feedback(client, infrastructure_project_id=other_project)
    await create_feedback(client, program_id)

    assert await _ids(client, infrastructure_project_id=project_id) == [wanted["id"]]


async def test_list_filters_by_status(client: httpx.AsyncClient, program_id: str) -> None:
    resolved = await create_feedback(client, program_id)
    await create_feedback(client, program_id)
    await client.patch(f"/v1/feedback/{resolved['id']}", json={"status": "resolved"})

    assert await _ids(client, status="resolved") == [resolved["id"]]


async def test_list_filters_by_exact_rating(client: httpx.AsyncClient, program_id: str) -> None:
    three = await create_feedback(client, program_id, rating=3)
    await create_feedback(client, program_id, rating=4)
    await create_feedback(client, program_id, rating=None)

    assert await _ids(client, rating=3) == [three["id"]]


async def test_list_filters_by_minimum_rating(client: httpx.AsyncClient, program_id: str) -> None:
    await create_feedback(client, program_id, rating=2)
    four = await create_feedback(client, program_id, rating=4)
    five = await create_feedback(client, program_id, rating=5)
    await create_feedback(client, program_id, rating=None)

    assert await _ids(client, min_rating=4) == [four["id"], five["id"]]


async def test_list_rating_filter_outside_1_to_5_is_422(client: httpx.AsyncClient) -> None:
    exact = await client.get("/v1/feedback", params={"rating": 0})
    minimum = await client.get("/v1/feedback", params={"min_rating": 6})

    assert exact.status_code == 422
    assert exact.json()["errors"][0]["field"] == "rating"
    assert minimum.status_code == 422
    assert minimum.json()["errors"][0]["field"] == "min_rating"


async def test_list_filters_by_area(
    client: httpx.AsyncClient, program_id: str, sofifi_area: str
) -> None:
    local = await create_feedback(client, program_id, area_code=sofifi_area)
    await create_feedback(client, program_id)

    assert await _ids(client, area_code=sofifi_area) == [local["id"]]


async def test_app_finds_its_submission_by_client_ref(
    client: httpx.AsyncClient, program_id: str
) -> None:
    mine = await create_feedback(client, program_id, client_ref="oba-tab-07/0042")
    await create_feedback(client, program_id, client_ref="oba-tab-07/0043")
    await create_feedback(client, program_id)

    assert await _ids(client, client_ref="oba-tab-07/0042") == [mine["id"]]


async def test_list_filters_by_submission_window_from_inclusive_to_exclusive(
    client: httpx.AsyncClient, program_id: str
) -> None:
    await create_feedback(client, program_id, submitted_at="2026-04-30T14:59:59Z")
    at_start = await create_feedback(client, program_id, submitted_at="2026-04-30T15:00:00Z")
    inside = await create_feedback(client, program_id, submitted_at="2026-05-15T08:00:00+09:00")
    await create_feedback(client, program_id, submitted_at="2026-05-31T15:00:00Z")

    ids = await _ids(
        client,
        submitted_from="2026-05-01T00:00:00+09:00",
        submitted_to="2026-06-01T00:00:00+09:00",
    )

    assert ids == [at_start["id"], inside["id"]]


async def test_list_submission_window_ending_before_it_starts_is_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/feedback",
        params={"submitted_from": "2026-06-01T00:00:00Z", "submitted_to": "2026-05-01T00:00:00Z"},
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["location"], error["field"]) == ("query", "submitted_to")


async def test_list_submission_window_without_offset_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/feedback", params={"submitted_from": "2026-05-01T00:00:00"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "submitted_from"


async def test_list_filters_by_updated_since(client: httpx.AsyncClient, program_id: str) -> None:
    handled = await create_feedback(client, program_id)
    untouched = await create_feedback(client, program_id)
    changed = await client.patch(f"/v1/feedback/{handled['id']}", json={"status": "acknowledged"})
    since = changed.json()["updated_at"]

    ids = await _ids(client, updated_since=since)

    assert ids == [handled["id"]]
    assert untouched["id"] not in ids


async def test_deleted_feedback_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient, program_id: str
) -> None:
    created = await create_feedback(client, program_id)
    await client.delete(f"/v1/feedback/{created['id']}")

    default = (await client.get("/v1/feedback")).json()["data"]
    with_deleted = (await client.get("/v1/feedback?include_deleted=true")).json()["data"]

    assert created["id"] not in [item["id"] for item in default]
    tombstone = next(item for item in with_deleted if item["id"] == created["id"])
    assert tombstone["deleted_at"] is not None


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient,
    session: AsyncSession,
    count_queries: QueryCounter,
    program_id: str,
    project_id: str,
    sofifi_area: str,
) -> None:
    await create_feedback(client, program_id, area_code=sofifi_area)
    await create_feedback(client, infrastructure_project_id=project_id, area_code=sofifi_area)
    await create_feedback(client, await add_program(session), rating=2)
    await create_feedback(client, infrastructure_project_id=await add_project(session))

    count_queries.count = 0
    small = await client.get("/v1/feedback", params={"limit": 2})
    small_page_queries = count_queries.count
    count_queries.count = 0
    large = await client.get("/v1/feedback", params={"limit": 50})
    large_page_queries = count_queries.count

    assert len(small.json()["data"]) == 2
    assert len(large.json()["data"]) == 4
    assert small_page_queries == large_page_queries


async def test_list_filter_the_database_cannot_hold_is_never_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/feedback", params={"client_ref": "tab\x0007"})

    assert response.status_code in {200, 422}
