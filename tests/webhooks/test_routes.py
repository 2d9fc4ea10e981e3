"""`/v1/webhooks`: a client's own subscriptions, their secrets shown once, and what they may
be sent. Deliveries themselves are in test_engine.py and test_on_demand.py."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import utcnow
from sofifi_api.webhooks.models import DeliveryStatus, WebhookDelivery
from sofifi_api.webhooks.service import MAX_SUBSCRIPTIONS_PER_CLIENT
from tests.conftest import ClientFactory

# A public address needs no name lookup (there is no DNS here); nothing is sent in these tests.
URL = "https://1.1.1.1/sofifi/webhooks"
OTHER_URL = "https://8.8.8.8/hooks"
MANAGER = ("webhooks:read", "webhooks:write", "programs:read", "feedback:read")


@pytest.fixture
async def partner(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(*MANAGER, name="SID Desa Guraping")


async def subscribe(http: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await http.post("/v1/webhooks", json={"url": URL, "types": ["program"]} | fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def field_error(response: httpx.Response) -> tuple[str, str]:
    (error,) = response.json()["errors"]
    return error["field"], error["code"]


async def test_subscribing_answers_the_secret_once_with_the_subscriptions_location(
    partner: httpx.AsyncClient,
) -> None:
    response = await partner.post(
        "/v1/webhooks", json={"url": URL, "types": ["program"], "description": "SID"}
    )

    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Location"].endswith(f"/v1/webhooks/{created['id']}")
    shown = (await partner.get(response.headers["Location"])).json()
    assert "secret" not in shown
    assert shown == {key: value for key, value in created.items() if key != "secret"}


async def test_a_new_subscription_is_active_with_the_types_and_url_sent(
    partner: httpx.AsyncClient,
) -> None:
    created = await subscribe(partner, types=["program", "feedback", "program"])

    assert created["status"] == "active"
    assert created["types"] == ["program", "feedback"]
    assert created["url"] == URL
    assert created["disabled_reason"] is None


async def test_without_webhooks_write_a_client_may_not_subscribe(
    make_client: ClientFactory,
) -> None:
    reader = await make_client("webhooks:read", "programs:read")

    response = await reader.post("/v1/webhooks", json={"url": URL, "types": ["program"]})

    assert response.status_code == 403


async def test_without_webhooks_read_a_client_may_not_list_subscriptions(
    make_client: ClientFactory,
) -> None:
    writer = await make_client("programs:read")

    assert (await writer.get("/v1/webhooks")).status_code == 403


async def test_a_client_lists_only_its_own_subscriptions(
    partner: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    other = await make_client(*MANAGER, name="Dinas PMD")
    mine = await subscribe(partner)
    await subscribe(other)

    listed = (await partner.get("/v1/webhooks")).json()["data"]

    assert [item["id"] for item in listed] == [mine["id"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"description": "taken over"}),
        ("DELETE", "", None),
        ("POST", "/secret", {}),
        ("POST", "/ping", None),
        ("GET", "/deliveries", None),
    ],
)
async def test_another_clients_subscription_is_not_found(
    partner: httpx.AsyncClient,
    make_client: ClientFactory,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    admin = await make_client("admin", name="Another admin")
    theirs = await subscribe(admin)

    response = await partner.request(method, f"/v1/webhooks/{theirs['id']}{path}", json=body)

    assert response.status_code == 404


async def test_a_type_the_client_may_not_read_is_refused_naming_the_scope(
    partner: httpx.AsyncClient,
) -> None:
    response = await partner.post(
        "/v1/webhooks", json={"url": URL, "types": ["program", "participant"]}
    )

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("types", "scope_missing")
    assert "participants:read" in error["message"]


async def test_a_type_the_feed_does_not_carry_is_refused(partner: httpx.AsyncClient) -> None:
    response = await partner.post("/v1/webhooks", json={"url": URL, "types": ["budget"]})

    assert response.status_code == 422
    assert field_error(response) == ("types", "unknown_type")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:192.168.1.1]/hooks",
    ],
)
async def test_a_url_reaching_a_non_public_address_is_refused(
    partner: httpx.AsyncClient, url: str
) -> None:
    response = await partner.post("/v1/webhooks", json={"url": url, "types": ["program"]})

    assert response.status_code == 422
    assert field_error(response) == ("url", "unsafe_url")


async def test_a_plain_http_url_is_refused(partner: httpx.AsyncClient) -> None:
    response = await partner.post(
        "/v1/webhooks", json={"url": "http://1.1.1.1/hooks", "types": ["program"]}
    )

    assert response.status_code == 422
    assert field_error(response) == ("url", "unsafe_url")


async def test_a_host_name_that_does_not_resolve_is_refused(partner: httpx.AsyncClient) -> None:
    response = await partner.post(
        "/v1/webhooks", json={"url": "https://sid.desa-guraping.invalid/hooks", "types": []}
    )

    assert response.status_code == 422
    assert field_error(response) == ("url", "unresolvable_host")


async def test_a_refused_subscription_is_not_stored(partner: httpx.AsyncClient) -> None:
    await partner.post("/v1/webhooks", json={"url": "https://127.0.0.1/", "types": []})

    assert (await partner.get("/v1/webhooks")).json()["data"] == []


async def test_a_client_holds_a_bounded_number_of_subscriptions(
    partner: httpx.AsyncClient,
) -> None:
    for _ in range(MAX_SUBSCRIPTIONS_PER_CLIENT):
        await subscribe(partner)

    response = await partner.post("/v1/webhooks", json={"url": URL, "types": ["program"]})

    assert response.status_code == 409
    assert response.json()["type"].endswith("/too-many-webhooks")


async def test_a_deleted_subscription_frees_its_place(partner: httpx.AsyncClient) -> None:
    created = [await subscribe(partner) for _ in range(MAX_SUBSCRIPTIONS_PER_CLIENT)]
    await partner.delete(f"/v1/webhooks/{created[0]['id']}")

    response = await partner.post("/v1/webhooks", json={"url": URL, "types": ["program"]})

    assert response.status_code == 201


async def test_pausing_and_resuming_a_subscription(partner: httpx.AsyncClient) -> None:
    created = await subscribe(partner)
    location = f"/v1/webhooks/{created['id']}"

    paused = await partner.patch(location, json={"status": "paused"})
    resumed = await partner.patch(location, json={"status": "active"})

    assert paused.json()["status"] == "paused"
    assert resumed.json()["status"] == "active"


async def test_a_client_may_not_disable_its_subscription_itself(
    partner: httpx.AsyncClient,
) -> None:
    created = await subscribe(partner)

    response = await partner.patch(f"/v1/webhooks/{created['id']}", json={"status": "disabled"})

    assert response.status_code == 422


async def test_an_update_changes_only_the_fields_sent(partner: httpx.AsyncClient) -> None:
    created = await subscribe(partner, description="SID")

    updated = (
        await partner.patch(
            f"/v1/webhooks/{created['id']}", json={"url": OTHER_URL, "types": ["feedback"]}
        )
    ).json()

    assert (updated["url"], updated["types"], updated["description"]) == (
        OTHER_URL,
        ["feedback"],
        "SID",
    )


async def test_an_update_to_an_unsafe_url_is_refused_and_changes_nothing(
    partner: httpx.AsyncClient,
) -> None:
    created = await subscribe(partner)
    location = f"/v1/webhooks/{created['id']}"

    response = await partner.patch(location, json={"url": "https://192.168.0.10/hooks"})

    assert response.status_code == 422
    assert (await partner.get(location)).json()["url"] == URL


async def test_an_update_to_a_type_the_client_may_not_read_is_refused(
    partner: httpx.AsyncClient,
) -> None:
    created = await subscribe(partner)

    response = await partner.patch(
        f"/v1/webhooks/{created['id']}", json={"types": ["infrastructure_project"]}
    )

    assert response.status_code == 422
    assert field_error(response) == ("types", "scope_missing")


async def test_an_update_with_a_stale_if_match_is_refused(partner: httpx.AsyncClient) -> None:
    created = await subscribe(partner)
    location = f"/v1/webhooks/{created['id']}"
    etag = (await partner.get(location)).headers["ETag"]
    await partner.patch(location, json={"description": "changed meanwhile"})

    response = await partner.patch(location, json={"status": "paused"}, headers={"If-Match": etag})

    assert response.status_code == 412
    assert (await partner.get(location)).json()["status"] == "active"


async def test_an_update_with_the_current_if_match_is_made(partner: httpx.AsyncClient) -> None:
    created = await subscribe(partner)
    location = f"/v1/webhooks/{created['id']}"
    etag = (await partner.get(location)).headers["ETag"]

    response = await partner.patch(location, json={"status": "paused"}, headers={"If-Match": etag})

    assert response.status_code == 200


async def test_a_deleted_subscription_is_gone(partner: httpx.AsyncClient) -> None:
    created = await subscribe(partner)
    location = f"/v1/webhooks/{created['id']}"

    deleted = await partner.delete(location)

    assert deleted.status_code == 204
    assert (await partner.get(location)).status_code == 404
    assert (await partner.get("/v1/webhooks")).json()["data"] == []


async def test_rotating_the_secret_answers_a_new_one_and_when_the_old_one_stops(
    partner: httpx.AsyncClient,
) -> None:
    created = await subscribe(partner)

    response = await partner.post(
        f"/v1/webhooks/{created['id']}/secret", json={"grace_seconds": 3600}
    )

    assert response.status_code == 200
    rotated = response.json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    assert response.headers["Cache-Control"] == "no-store"
    assert rotated["previous_secret_expires_at"] is not None


async def test_rotating_without_a_grace_period_stops_the_old_secret_at_once(
    partner: httpx.AsyncClient,
) -> None:
    created = await subscribe(partner)

    rotated = (await partner.post(f"/v1/webhooks/{created['id']}/secret")).json()

    assert rotated["previous_secret_expires_at"] is None


async def test_a_grace_period_over_seven_days_is_refused(partner: httpx.AsyncClient) -> None:
    created = await subscribe(partner)

    response = await partner.post(
        f"/v1/webhooks/{created['id']}/secret", json={"grace_seconds": 8 * 24 * 3600}
    )

    assert response.status_code == 422


async def test_a_malformed_id_is_not_found(partner: httpx.AsyncClient) -> None:
    assert (await partner.get("/v1/webhooks/not-an-id")).status_code == 404


async def _deliveries(
    session: AsyncSession, subscription_id: str, statuses: list[DeliveryStatus]
) -> list[WebhookDelivery]:
    now = utcnow()
    rows = [
        WebhookDelivery(
            subscription_id=uuid.UUID(subscription_id),
            event_type="program.upsert",
            body=f'{{"id":"{index}","type":"program.upsert","data":{{}}}}',
            status=status,
            attempts=1,
            next_attempt_at=now + timedelta(minutes=5),
            created_at=now,
        )
        for index, status in enumerate(statuses)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def test_the_delivery_log_lists_newest_first(
    partner: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await subscribe(partner)
    rows = await _deliveries(
        session, created["id"], [DeliveryStatus.succeeded, DeliveryStatus.pending]
    )

    listed = (await partner.get(f"/v1/webhooks/{created['id']}/deliveries")).json()["data"]

    assert [item["id"] for item in listed] == [str(rows[1].id), str(rows[0].id)]


async def test_the_delivery_log_pages_on(partner: httpx.AsyncClient, session: AsyncSession) -> None:
    created = await subscribe(partner)
    rows = await _deliveries(session, created["id"], [DeliveryStatus.succeeded] * 3)
    path = f"/v1/webhooks/{created['id']}/deliveries"

    first = (await partner.get(path, params={"limit": 2})).json()
    second = (await partner.get(path, params={"limit": 2, "cursor": first["next_cursor"]})).json()

    assert [item["id"] for item in first["data"] + second["data"]] == [
        str(row.id) for row in reversed(rows)
    ]
    assert second["next_cursor"] is None


async def test_the_delivery_log_filters_by_status(
    partner: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await subscribe(partner)
    rows = await _deliveries(
        session, created["id"], [DeliveryStatus.succeeded, DeliveryStatus.failed]
    )

    listed = (
        await partner.get(f"/v1/webhooks/{created['id']}/deliveries", params={"status": "failed"})
    ).json()["data"]

    assert [item["id"] for item in listed] == [str(rows[1].id)]


async def test_a_pending_delivery_shows_its_next_attempt_and_a_settled_one_none(
    partner: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await subscribe(partner)
    pending, succeeded = await _deliveries(
        session, created["id"], [DeliveryStatus.pending, DeliveryStatus.succeeded]
    )
    path = f"/v1/webhooks/{created['id']}/deliveries"

    shown_pending = (await partner.get(f"{path}/{pending.id}")).json()
    shown_succeeded = (await partner.get(f"{path}/{succeeded.id}")).json()

    assert shown_pending["next_attempt_at"] is not None
    assert shown_succeeded["next_attempt_at"] is None
    assert shown_pending["event"] == {"id": "0", "type": "program.upsert", "data": {}}


async def test_a_delivery_of_another_subscription_is_not_found(
    partner: httpx.AsyncClient, session: AsyncSession
) -> None:
    mine = await subscribe(partner)
    other = await subscribe(partner)
    (theirs,) = await _deliveries(session, other["id"], [DeliveryStatus.succeeded])

    response = await partner.get(f"/v1/webhooks/{mine['id']}/deliveries/{theirs.id}")

    assert response.status_code == 404


async def test_subscribing_is_in_the_audit_trail_without_the_secret(
    partner: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    created = await subscribe(partner)
    await partner.post(f"/v1/webhooks/{created['id']}/secret")

    events = (await client.get("/v1/audit-events", params={"resource_id": created["id"]})).json()[
        "data"
    ]

    assert [(event["action"], event["resource_type"]) for event in events] == [
        ("create", "webhook"),
        ("update", "webhook"),
    ]
    assert created["secret"] not in str(events)
