from typing import Any

import httpx
from sqlalchemy import event

from sofifi_api.db import Database
from tests.changes.conftest import CHANGES, Partner, by_key, end_of_feed, follow, read_page
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_enrollment,
    create_organization,
    create_person,
    create_program,
)


async def _list_item(http: httpx.AsyncClient, path: str, resource_id: str) -> dict[str, Any]:
    response = await http.get(path, params={"limit": 500, "include_deleted": "true"})
    items: list[dict[str, Any]] = response.json()["data"]
    return next(item for item in items if item["id"] == resource_id)


async def test_feed_from_the_start_holds_every_resource_as_its_list_shows_it(
    admin: httpx.AsyncClient,
) -> None:
    program = await create_program(admin)

    entries, _ = await follow(admin)

    copy = by_key(entries)
    assert copy["program", program["id"]] == {
        "type": "program",
        "id": program["id"],
        "op": "upsert",
        "resource": await _list_item(admin, "/v1/programs", program["id"]),
    }
    assert ("organization", program["lead_organization_id"]) in copy
    assert ("area", SOFIFI) in copy


async def test_update_appears_after_the_cursor_with_the_current_state(
    admin: httpx.AsyncClient,
) -> None:
    organization = await create_organization(admin)
    cursor = await end_of_feed(admin)

    await admin.patch(f"/v1/organizations/{organization['id']}", json={"name": "Yayasan Pala"})
    entries, _ = await follow(admin, cursor)

    assert [(e["type"], e["id"], e["resource"]["name"]) for e in entries] == [
        ("organization", organization["id"], "Yayasan Pala")
    ]


async def test_resource_changed_twice_appears_once_on_a_page(admin: httpx.AsyncClient) -> None:
    organization = await create_organization(admin)
    cursor = await end_of_feed(admin)
    path = f"/v1/organizations/{organization['id']}"

    await admin.patch(path, json={"name": "Yayasan Pala"})
    await admin.patch(path, json={"name": "Yayasan Pala Serentak"})
    data, _ = await read_page(admin, cursor)

    assert [(e["id"], e["resource"]["name"]) for e in data] == [
        (organization["id"], "Yayasan Pala Serentak")
    ]


async def test_deleted_resource_appears_as_a_tombstone(admin: httpx.AsyncClient) -> None:
    organization = await create_organization(admin)
    cursor = await end_of_feed(admin)

    await admin.delete(f"/v1/organizations/{organization['id']}")
    entries, _ = await follow(admin, cursor)

    assert entries == [
        {"type": "organization", "id": organization["id"], "op": "delete", "resource": None}
    ]


async def test_caught_up_feed_answers_no_data_and_a_cursor_to_poll_with(
    admin: httpx.AsyncClient,
) -> None:
    cursor = await end_of_feed(admin)

    data, next_cursor = await read_page(admin, cursor)

    assert data == []
    assert next_cursor == cursor


async def test_polling_with_the_cursor_returns_only_later_changes(
    admin: httpx.AsyncClient,
) -> None:
    first = await create_organization(admin, name="Koperasi Tani Oba")
    _, cursor = await follow(admin)

    second = await create_organization(admin, name="Koperasi Nelayan Galala")
    entries, _ = await follow(admin, cursor)

    ids = [entry["id"] for entry in entries]
    assert second["id"] in ids
    assert first["id"] not in ids


async def test_enrollment_brings_its_program_back_with_new_counts(
    admin: httpx.AsyncClient,
) -> None:
    program = await create_program(admin)
    person = await create_person(admin, area_code=SOFIFI)
    cursor = await end_of_feed(admin)

    enrollment = await create_enrollment(admin, program["id"], person["id"])
    copy = by_key((await follow(admin, cursor))[0])

    assert ("enrollment", enrollment["id"]) in copy
    assert copy["program", program["id"]]["resource"]["enrolled_count"] == 1


async def test_types_narrow_the_feed(admin: httpx.AsyncClient) -> None:
    cursor = await end_of_feed(admin)
    await create_program(admin)

    entries, _ = await follow(admin, cursor, types="program")

    assert {entry["type"] for entry in entries} == {"program"}


async def test_unknown_type_is_422_listing_the_types(admin: httpx.AsyncClient) -> None:
    response = await admin.get(CHANGES, params={"types": "program,projects"})

    assert response.status_code == 422
    assert "infrastructure_project" in response.json()["errors"][0]["message"]


async def test_type_without_its_read_scope_is_403(partner: Partner) -> None:
    http = await partner("programs:read")

    response = await http.get(CHANGES, params={"types": "program,feedback"})

    assert response.status_code == 403
    assert "feedback:read" in response.json()["detail"]


async def test_feed_without_types_follows_what_the_client_may_read(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("organizations:read")
    cursor = await end_of_feed(http)
    await create_program(admin)

    entries, _ = await follow(http, cursor)

    assert {entry["type"] for entry in entries} == {"organization"}


async def test_client_without_any_read_scope_is_403(partner: Partner) -> None:
    http = await partner("audit:read")

    response = await http.get(CHANGES)

    assert response.status_code == 403


async def test_area_restricted_client_sees_changes_in_its_areas_only(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("participants:read", area_codes=[SOFIFI])
    cursor = await end_of_feed(http)
    inside = await create_person(admin, area_code=SOFIFI)
    outside = await create_person(admin, area_code="82.72")

    entries, _ = await follow(http, cursor)

    ids = {entry["id"] for entry in entries}
    assert inside["id"] in ids
    assert outside["id"] not in ids


async def test_participants_never_carry_personal_data(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("participants:read", "participants:pii")
    cursor = await end_of_feed(http)
    person = await create_person(
        admin, area_code=OBA_UTARA, nik="8272024101860001", phone="+6281234567890"
    )

    entries, _ = await follow(http, cursor)

    resource = by_key(entries)["participant", person["id"]]["resource"]
    assert "nik" not in resource
    assert "phone" not in resource
    assert "8272024101860001" not in str(entries)


async def test_cursor_not_issued_by_the_feed_is_400(admin: httpx.AsyncClient) -> None:
    response = await admin.get(CHANGES, params={"cursor": "eyJ2IjoxfQ.forged"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_page_costs_the_same_number_of_queries_whatever_its_size(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    cursor = await end_of_feed(admin)
    for _ in range(2):
        await create_program(admin)
    small_cursor = await end_of_feed(admin)
    for _ in range(20):
        await create_program(admin)

    event.listen(feed_database.engine.sync_engine, "before_cursor_execute", count)
    try:
        await read_page(admin, cursor, types="program", limit=2)
        small = len(statements)
        statements.clear()
        await read_page(admin, small_cursor, types="program", limit=20)
        large = len(statements)
    finally:
        event.remove(feed_database.engine.sync_engine, "before_cursor_execute", count)

    assert large == small
