"""Showing a participant's personal data is recorded; the trail itself never holds any."""

import json

import httpx

from tests.audit.conftest import ClientIdOf, EventReader
from tests.conftest import ClientFactory
from tests.factories import create_group, create_person

NIK = "8272024107860001"
NEW_NIK = "8272025203910002"
PHONE_DIGITS = "87654321"


async def test_get_person_by_pii_client_records_pii_read(
    client: httpx.AsyncClient,
    make_client: ClientFactory,
    read_events: EventReader,
    client_id_of: ClientIdOf,
) -> None:
    person = await create_person(client, nik=NIK)
    reader = await make_client("participants:read", "participants:pii", name="Dinsos reader")

    response = await reader.get(f"/v1/participants/{person['id']}")

    assert response.status_code == 200
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_type"], e["resource_id"]) for e in events] == [
        ("pii.read", "participant", person["id"])
    ]
    assert events[0]["client_id"] == await client_id_of("Dinsos reader")


async def test_get_person_by_client_without_pii_records_nothing(
    client: httpx.AsyncClient, make_client: ClientFactory, read_events: EventReader
) -> None:
    person = await create_person(client, nik=NIK)
    reader = await make_client("participants:read")

    response = await reader.get(f"/v1/participants/{person['id']}")

    assert response.status_code == 200
    assert await read_events(request_id=response.headers["Request-Id"]) == []


async def test_get_group_records_no_pii_read(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    group = await create_group(client)

    response = await client.get(f"/v1/participants/{group['id']}")

    assert response.status_code == 200
    assert await read_events(request_id=response.headers["Request-Id"]) == []


async def test_listing_participants_records_no_pii_read(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    await create_person(client, nik=NIK)

    response = await client.get("/v1/participants")

    assert response.status_code == 200
    assert await read_events(request_id=response.headers["Request-Id"]) == []


async def test_pii_reads_can_be_listed_per_participant(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    person = await create_person(client, nik=NIK)
    await client.get(f"/v1/participants/{person['id']}")
    await client.get(f"/v1/participants/{person['id']}")

    events = await read_events(action="pii.read", resource_id=person["id"])

    # The creation answer showed the personal data too.
    assert len(events) == 3


async def test_no_event_holds_a_nik_phone_or_name(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    person = await create_person(
        client, nik=NIK, phone="0821-8765-4321", birth_date="1986-07-01", full_name="Siti Hadija"
    )
    await client.get(f"/v1/participants/{person['id']}")
    await client.patch(
        f"/v1/participants/{person['id']}",
        json={"nik": NEW_NIK, "full_name": "Siti Hadija Umar", "phone": "0812 1111 2222"},
    )
    await client.delete(f"/v1/participants/{person['id']}")

    events = await read_events()

    text = json.dumps(events)
    # create, update and delete, plus a pii.read for each of the three answers showing the data
    assert len([e for e in events if e["resource_id"] == person["id"]]) == 6
    for secret in (NIK, NEW_NIK, PHONE_DIGITS, "11112222", "1986-07-01", "Siti Hadija"):
        assert secret not in text


async def test_person_update_lists_personal_fields_by_name_only(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    person = await create_person(client, nik=NIK)

    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"nik": NEW_NIK, "phone": "0812 1111 2222"}
    )

    assert response.status_code == 200, response.text
    events = await read_events(request_id=response.headers["Request-Id"], action="update")
    assert [event["details"] for event in events] == [{"fields": ["nik", "phone"]}]


async def test_lookup_by_nik_records_pii_read(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    person = await create_person(client, nik=NIK)

    response = await client.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 200, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"]) for e in events] == [("pii.read", person["id"])]
    assert NIK not in json.dumps(events)


async def test_create_answered_with_personal_data_records_create_and_pii_read(
    make_client: ClientFactory, read_events: EventReader
) -> None:
    registrar = await make_client("participants:write", "participants:pii")

    response = await registrar.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": NIK},
    )

    assert response.status_code == 201
    events = await read_events(request_id=response.headers["Request-Id"])
    assert sorted(e["action"] for e in events) == ["create", "pii.read"]


async def test_create_without_pii_scope_records_no_pii_read(
    make_client: ClientFactory, read_events: EventReader
) -> None:
    registrar = await make_client("participants:write")

    response = await registrar.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": NIK},
    )

    assert response.status_code == 201
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [e["action"] for e in events] == ["create"]


async def test_update_answered_with_personal_data_records_pii_read(
    client: httpx.AsyncClient, make_client: ClientFactory, read_events: EventReader
) -> None:
    person = await create_person(client, nik=NIK)
    editor = await make_client("participants:write", "participants:pii")

    response = await editor.patch(f"/v1/participants/{person['id']}", json={"full_name": "Siti H."})

    assert response.status_code == 200
    events = await read_events(request_id=response.headers["Request-Id"])
    assert sorted(e["action"] for e in events) == ["pii.read", "update"]
