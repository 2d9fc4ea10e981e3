"""GET /v1/audit-events: the trail for admins and auditors, filtered and paged."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import httpx

from tests.audit.conftest import ADMIN_NAME, ClientIdOf, EventReader
from tests.conftest import ClientFactory, QueryCounter
from tests.factories import (
    SOFIFI,
    create_organization,
    create_program,
    create_project,
    create_reference_areas,
)

WIT = timezone(timedelta(hours=9))


async def test_list_returns_events_oldest_first(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    first = await create_organization(client)
    second = await create_organization(client, name="Yayasan Bambu Lestari", kind="ngo")

    events = await read_events(resource_type="organization")

    assert [event["resource_id"] for event in events] == [first["id"], second["id"]]
    assert events[0]["id"] < events[1]["id"]


async def test_event_can_be_fetched_by_id(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)
    [listed] = await read_events(resource_id=organization["id"])

    response = await client.get(f"/v1/audit-events/{listed['id']}")

    assert response.status_code == 200
    assert response.json() == listed


async def test_unknown_event_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/audit-events/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_event_id_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/audit-events/not-an-id")

    assert response.status_code == 404


async def test_filter_by_client(
    client: httpx.AsyncClient,
    make_client: ClientFactory,
    read_events: EventReader,
    client_id_of: ClientIdOf,
) -> None:
    partner = await make_client("organizations:write", name="Dinas PU sync")
    await create_organization(client)
    written = await create_organization(partner, name="Dinas PUPR Maluku Utara")

    events = await read_events(client_id=await client_id_of("Dinas PU sync"))

    assert [event["resource_id"] for event in events] == [written["id"]]


async def test_filter_by_action(client: httpx.AsyncClient, read_events: EventReader) -> None:
    organization = await create_organization(client)
    await client.delete(f"/v1/organizations/{organization['id']}")

    events = await read_events(action="delete")

    assert [(event["action"], event["resource_id"]) for event in events] == [
        ("delete", organization["id"])
    ]


async def test_unknown_action_is_422_listing_the_allowed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/audit-events", params={"action": "erase"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "action"
    assert "pii.read" in response.json()["errors"][0]["message"]


async def test_filter_by_resource_type(client: httpx.AsyncClient, read_events: EventReader) -> None:
    await create_organization(client)
    project = await create_project(client)

    events = await read_events(resource_type="infrastructure_project")

    assert [event["resource_id"] for event in events] == [project["id"]]


async def test_filter_by_request_id(client: httpx.AsyncClient, read_events: EventReader) -> None:
    await create_organization(client)
    response = await client.post(
        "/v1/organizations",
        json={"name": "Yayasan Bambu Lestari", "kind": "ngo"},
        headers={"Request-Id": "bappeda-sync-2026-03-05"},
    )

    events = await read_events(request_id="bappeda-sync-2026-03-05")

    assert [event["resource_id"] for event in events] == [response.json()["id"]]


async def test_filter_by_time_window(client: httpx.AsyncClient, read_events: EventReader) -> None:
    organization = await create_organization(client)
    [event] = await read_events(resource_id=organization["id"])
    occurred = datetime.fromisoformat(event["occurred_at"])
    just_before = (occurred - timedelta(microseconds=1)).isoformat()
    just_after = (occurred + timedelta(microseconds=1)).isoformat()

    inside = await read_events(occurred_from=just_before, occurred_to=just_after)
    from_later = await read_events(occurred_from=just_after)
    up_to_it = await read_events(occurred_to=occurred.isoformat())

    assert [e["id"] for e in inside] == [event["id"]]
    assert from_later == []
    assert event["id"] not in [e["id"] for e in up_to_it]


async def test_time_filters_accept_other_offsets(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)
    # Sofifi keeps Eastern Indonesia Time (WIT, UTC+9).
    tomorrow_in_sofifi = (datetime.now(UTC) + timedelta(days=1)).astimezone(WIT)

    events = await read_events(
        occurred_from="2020-01-01T09:00:00+09:00", occurred_to=tomorrow_in_sofifi.isoformat()
    )

    assert organization["id"] in [event["resource_id"] for event in events]


async def test_time_filter_without_offset_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/audit-events", params={"occurred_from": "2026-03-01T00:00:00"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "occurred_from"


async def test_time_window_ending_before_it_starts_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/audit-events",
        params={
            "occurred_from": "2026-03-02T00:00:00Z",
            "occurred_to": "2026-03-01T00:00:00Z",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "location": "query",
        "field": "occurred_to",
        "message": "occurred_to must be on or after occurred_from.",
        "code": "date_order",
    }


async def test_pages_follow_the_cursor(client: httpx.AsyncClient) -> None:
    for name in ("Dinas Koperasi", "Yayasan Bambu Lestari", "Dinas PUPR"):
        await create_organization(client, name=name)

    first = await client.get("/v1/audit-events", params={"limit": 2})
    second = await client.get(
        "/v1/audit-events", params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )

    assert len(first.json()["data"]) == 2
    assert 'rel="next"' in first.headers["Link"]
    assert second.json()["data"][0]["id"] > first.json()["data"][-1]["id"]


async def test_list_issues_the_same_queries_for_any_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    for name in ("Dinas Koperasi", "Yayasan Bambu Lestari", "Dinas PUPR"):
        organization = await create_organization(client, name=name)
        await client.patch(f"/v1/organizations/{organization['id']}", json={"acronym": "X"})

    count_queries.count = 0
    await client.get("/v1/audit-events", params={"limit": 2})
    small = count_queries.count
    count_queries.count = 0
    await client.get("/v1/audit-events", params={"limit": 50})

    assert count_queries.count == small


async def test_client_without_audit_scope_is_403(make_client: ClientFactory) -> None:
    partner = await make_client("participants:read", "participants:pii")

    listed = await partner.get("/v1/audit-events")
    fetched = await partner.get(f"/v1/audit-events/{uuid.uuid4()}")

    assert listed.status_code == 403
    assert fetched.status_code == 403
    assert "audit:read" in listed.json()["detail"]


async def test_auditor_reads_the_trail_without_admin(
    client: httpx.AsyncClient, make_client: ClientFactory, client_id_of: ClientIdOf
) -> None:
    await create_organization(client)
    auditor = await make_client("audit:read", name="Inspektorat")

    response = await auditor.get("/v1/audit-events")

    assert response.status_code == 200
    assert [event["client_id"] for event in response.json()["data"]] == [
        await client_id_of(ADMIN_NAME)
    ]


async def test_an_area_bound_auditor_reads_only_events_of_resources_it_sees(
    client: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    await create_reference_areas(client)
    ternate = {"code": "82.71", "name": "Kota Ternate", "level": "regency", "parent_code": "82"}
    assert (await client.post("/v1/areas", json=ternate)).status_code == 201
    here = await create_program(client, area_codes=[SOFIFI])
    there = await create_program(client, area_codes=["82.71"])
    auditor = await make_client("audit:read", area_codes=[SOFIFI], name="Auditor Sofifi")

    elsewhere = await client.get("/v1/audit-events", params={"resource_id": there["id"]})
    [event_elsewhere] = elsewhere.json()["data"]

    response = await auditor.get("/v1/audit-events", params={"resource_type": "program"})
    single = await auditor.get(f"/v1/audit-events/{event_elsewhere['id']}")

    assert response.status_code == 200, response.text
    assert {event["resource_id"] for event in response.json()["data"]} == {here["id"]}
    assert single.status_code == 404
