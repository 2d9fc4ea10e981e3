"""What a client sends itself through the API: a subscription made there is delivered what
changes, a ping at once, and one delivery again. Real receivers on loopback, a database that
really commits."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col
from standardwebhooks import Webhook

from sofifi_api.db import Database, utcnow
from sofifi_api.webhooks.models import WebhookDelivery
from tests.databases import committed_client
from tests.factories import create_program
from tests.webhooks.conftest import deliveries_of, make_engine, subscription_now, writing
from tests.webhooks.receivers import Reply, receiving

pytestmark = pytest.mark.usefixtures("fresh_subscriptions", "private_destinations")

SCOPES = ("webhooks:read", "webhooks:write", "programs:read")


@pytest.fixture
async def partner(hooks_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    http = await committed_client(hooks_database, *SCOPES)
    yield http
    await http.aclose()


async def subscribe(http: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await http.post("/v1/webhooks", json={"url": url, "types": ["program"]})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_subscription_made_through_the_api_is_sent_what_changes_signed(
    partner: httpx.AsyncClient, admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    with receiving() as receiver:
        created = await subscribe(partner, receiver.url())
        program = await create_program(admin)

        await make_engine(hooks_database).run_once()

    (received,) = receiver.received
    event = Webhook(created["secret"]).verify(received.body, received.headers)
    assert (event["type"], event["data"]["id"]) == ("program.upsert", program["id"])


async def test_a_ping_is_sent_at_once_signed_and_logged(
    partner: httpx.AsyncClient, hooks_database: Database
) -> None:
    with receiving() as receiver:
        created = await subscribe(partner, receiver.url())

        response = await partner.post(f"/v1/webhooks/{created['id']}/ping")

    assert response.status_code == 201
    delivery = response.json()
    (received,) = receiver.received
    event = Webhook(created["secret"]).verify(received.body, received.headers)
    assert event == {
        "id": delivery["id"],
        "type": "webhook.ping",
        "created_at": event["created_at"],
        "data": {"webhook_id": created["id"]},
    }
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "succeeded",
        1,
        204,
    )
    assert (await partner.get(response.headers["Location"])).json() == delivery


async def test_a_ping_the_receiver_refuses_fails_without_retry_and_the_subscription_stays_active(
    partner: httpx.AsyncClient, hooks_database: Database
) -> None:
    with receiving(Reply(status=500, body=b"no handler for webhook.ping")) as receiver:
        created = await subscribe(partner, receiver.url())

        delivery = (await partner.post(f"/v1/webhooks/{created['id']}/ping")).json()
        await make_engine(hooks_database).run_once()

    assert len(receiver.received) == 1
    assert (delivery["status"], delivery["last_status_code"], delivery["last_response"]) == (
        "failed",
        500,
        "no handler for webhook.ping",
    )
    assert (await partner.get(f"/v1/webhooks/{created['id']}")).json()["status"] == "active"


async def test_a_paused_subscription_can_still_be_pinged(partner: httpx.AsyncClient) -> None:
    with receiving() as receiver:
        created = await subscribe(partner, receiver.url())
        await partner.patch(f"/v1/webhooks/{created['id']}", json={"status": "paused"})

        delivery = (await partner.post(f"/v1/webhooks/{created['id']}/ping")).json()

    assert delivery["status"] == "succeeded"
    assert len(receiver.received) == 1


async def test_another_clients_subscription_cannot_be_pinged(
    partner: httpx.AsyncClient, hooks_database: Database
) -> None:
    other = await committed_client(hooks_database, *SCOPES)
    with receiving() as receiver:
        theirs = await subscribe(other, receiver.url())

        response = await partner.post(f"/v1/webhooks/{theirs['id']}/ping")
    await other.aclose()

    assert response.status_code == 404
    assert receiver.received == []


async def test_a_failed_delivery_is_redelivered_with_its_own_id_and_succeeds(
    partner: httpx.AsyncClient, admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    refusing = [Reply(status=500)] * 3
    with receiving(replies=[*refusing, Reply(status=204)]) as receiver:
        created = await subscribe(partner, receiver.url())
        await create_program(admin)
        engine = make_engine(hooks_database)
        for _ in range(3):
            await engine.run_once()
            await _wait_for_retry()
        (failed,) = (
            await partner.get(
                f"/v1/webhooks/{created['id']}/deliveries", params={"status": "failed"}
            )
        ).json()["data"]

        response = await partner.post(
            f"/v1/webhooks/{created['id']}/deliveries/{failed['id']}/retry"
        )

    assert response.status_code == 200
    redelivered = response.json()
    assert (redelivered["status"], redelivered["attempts"]) == ("succeeded", 4)
    assert len(receiver.received) == 4
    assert {received.headers["webhook-id"] for received in receiver.received} == {failed["id"]}
    Webhook(created["secret"]).verify(receiver.received[-1].body, receiver.received[-1].headers)


async def test_a_failed_redelivery_leaves_the_delivery_as_it_was(
    partner: httpx.AsyncClient, hooks_database: Database
) -> None:
    with receiving(Reply(status=503)) as receiver:
        created = await subscribe(partner, receiver.url())
        ping = (await partner.post(f"/v1/webhooks/{created['id']}/ping")).json()

        redelivered = (
            await partner.post(f"/v1/webhooks/{created['id']}/deliveries/{ping['id']}/retry")
        ).json()

    assert (redelivered["status"], redelivered["attempts"]) == ("failed", 2)
    assert len(receiver.received) == 2


async def test_a_delivery_a_worker_is_sending_is_not_redelivered_at_the_same_time(
    partner: httpx.AsyncClient, admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    with receiving() as receiver:
        created = await subscribe(partner, receiver.url())
        await create_program(admin)
        await make_engine(hooks_database).run_once()
        (delivery,) = await deliveries_of(hooks_database, uuid.UUID(created["id"]))
        await _lease_again(hooks_database, delivery.id)

        response = await partner.post(
            f"/v1/webhooks/{created['id']}/deliveries/{delivery.id}/retry"
        )

    assert response.status_code == 409
    assert response.json()["type"].endswith("/delivery-in-flight")
    assert len(receiver.received) == 1


async def test_a_redelivery_of_an_unknown_delivery_is_not_found(
    partner: httpx.AsyncClient,
) -> None:
    with receiving() as receiver:
        created = await subscribe(partner, receiver.url())

        response = await partner.post(
            f"/v1/webhooks/{created['id']}/deliveries/0195f3d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f/retry"
        )

    assert response.status_code == 404
    assert receiver.received == []


async def test_a_subscription_the_service_disabled_is_resumed_through_the_api(
    partner: httpx.AsyncClient, admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    with receiving(replies=[Reply(status=500)] * 3 + [Reply(status=204)]) as receiver:
        created = await subscribe(partner, receiver.url())
        await create_program(admin)
        engine = make_engine(hooks_database)
        for _ in range(3):
            await engine.run_once()
            await _wait_for_retry()
        disabled = (await partner.get(f"/v1/webhooks/{created['id']}")).json()

        resumed = await partner.patch(f"/v1/webhooks/{created['id']}", json={"status": "active"})
        await create_program(admin)
        await engine.run_once()

    assert disabled["status"] == "disabled"
    assert "HTTP 500" in disabled["disabled_reason"]
    assert resumed.json()["disabled_reason"] is None
    subscription = await subscription_now(hooks_database, uuid.UUID(created["id"]))
    assert subscription.status == "active"
    assert json.loads(receiver.received[-1].body)["type"] == "program.upsert"
    assert len(receiver.received) == 4


async def _wait_for_retry() -> None:
    """Longer than the schedule's delays (0.05 s, varied by 20 %)."""
    await asyncio.sleep(0.1)


async def _lease_again(database: Database, delivery_id: uuid.UUID) -> None:
    """Puts the delivery under another worker's lease, as while that worker sends it."""
    async with writing(database) as session:
        await (await session.connection()).execute(
            sa.update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery_id)
            .values(locked_by="worker-2", locked_until=utcnow() + timedelta(minutes=1))
        )
        await session.commit()
