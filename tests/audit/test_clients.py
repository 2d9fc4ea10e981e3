"""Changes to API clients and their keys are audited, without the key or its digest."""

import json
from typing import Any

import httpx

from tests.audit.conftest import EventReader


async def _create_client(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        "/v1/clients", json={"name": "Bappeda Malut sync", "scopes": ["programs:read"]}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_client_creation_is_one_event_without_the_key(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    response = await client.post(
        "/v1/clients", json={"name": "Bappeda Malut sync", "scopes": ["programs:read"]}
    )

    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_type"], e["resource_id"]) for e in events] == [
        ("client.create", "api_client", response.json()["id"])
    ]
    assert response.json()["api_key"] not in json.dumps(events)


async def test_key_rotation_is_one_event_naming_the_new_key(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    partner = await _create_client(client)

    response = await client.post(f"/v1/clients/{partner['id']}/keys", json={"grace_seconds": 60})

    assert response.status_code == 201, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"], e["details"]) for e in events] == [
        ("key.rotate", partner["id"], {"key_id": response.json()["api_key_id"]})
    ]
    assert response.json()["api_key"] not in json.dumps(events)


async def test_client_update_lists_changed_fields(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    partner = await _create_client(client)

    response = await client.patch(
        f"/v1/clients/{partner['id']}", json={"scopes": ["programs:read", "feedback:read"]}
    )

    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["details"]) for e in events] == [
        ("client.update", {"fields": ["scopes"]})
    ]


async def test_revoking_a_client_is_one_event_for_it_and_its_keys(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    partner = await _create_client(client)

    response = await client.post(f"/v1/clients/{partner['id']}/revoke")

    assert response.status_code == 200, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"]) for e in events] == [("client.revoke", partner["id"])]
