"""The follower: subscriptions that see the feed alike (same position, readable types and
areas) read each page of it once, together, and each still queues every event of its own view
exactly once, in feed order."""

import json
import uuid

import httpx
import pytest

from sofifi_api.db import Database
from sofifi_api.webhooks import service
from sofifi_api.webhooks.follower import event_body, follow_all, follow_together
from sofifi_api.webhooks.follower import subscriptions_behind as behind
from sofifi_api.webhooks.models import SubscriptionStatus, WebhookSubscription
from tests.factories import SOFIFI, create_person, create_program
from tests.webhooks.conftest import deliveries_of, new_client, subscribe, writing

pytestmark = pytest.mark.usefixtures("fresh_subscriptions")

OUTSIDE = "82.72"  # the parent regency: not within a client bound to Sofifi
NOWHERE = "http://127.0.0.1:9/hooks"


async def _data_ids(database: Database, subscription_id: uuid.UUID) -> list[str]:
    return [
        json.loads(delivery.body)["data"]["id"]
        for delivery in await deliveries_of(database, subscription_id)
    ]


async def _read_up_to_now(admin: httpx.AsyncClient, database: Database) -> None:
    """A change every subscription reads: after it they all stand at the same position (on
    PostgreSQL each starts at the feed's safe end when it was made)."""
    await create_program(admin, title="Bersama")
    await follow_all(database)


async def test_subscriptions_reading_together_each_queue_every_event_once_in_feed_order(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    subscriptions = [
        await subscribe(hooks_database, await new_client(hooks_database, "programs:read"), NOWHERE)
        for _ in range(3)
    ]
    await _read_up_to_now(admin, hooks_database)
    programs = [await create_program(admin, title=f"Program {n}") for n in range(4)]

    assert [sorted(group) for group in await behind(hooks_database)] == [
        sorted(subscription.id for subscription in subscriptions)
    ]
    assert await follow_all(hooks_database) == 3 * 4
    assert await follow_all(hooks_database) == 0

    delivery_ids = set()
    for subscription in subscriptions:
        assert (await _data_ids(hooks_database, subscription.id))[1:] == [p["id"] for p in programs]
        delivery_ids |= {d.id for d in await deliveries_of(hooks_database, subscription.id)}
    assert len(delivery_ids) == 3 * (1 + 4)


async def test_an_event_read_together_is_the_body_written_for_it_alone(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    subscriptions = [
        await subscribe(hooks_database, await new_client(hooks_database, "programs:read"), NOWHERE)
        for _ in range(2)
    ]
    await create_program(admin)
    await follow_all(hooks_database)

    for subscription in subscriptions:
        (delivery,) = await deliveries_of(hooks_database, subscription.id)
        entry = json.loads(delivery.body)["data"]
        assert delivery.body.encode() == event_body(delivery.id, entry, delivery.created_at)


async def test_subscriptions_at_one_position_with_different_areas_each_get_their_own_view(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    bound = await new_client(hooks_database, "participants:read", area_codes=[SOFIFI])
    everywhere = await new_client(hooks_database, "participants:read")
    in_sofifi = await subscribe(hooks_database, bound, NOWHERE, types=["participant"])
    anywhere = await subscribe(hooks_database, everywhere, NOWHERE, types=["participant"])
    outside = await create_person(admin, area_code=OUTSIDE, full_name="Warga di luar")
    inside = await create_person(admin, area_code=SOFIFI, full_name="Warga Sofifi")

    assert len(await behind(hooks_database)) == 2
    await follow_all(hooks_database)

    assert await _data_ids(hooks_database, in_sofifi.id) == [inside["id"]]
    assert await _data_ids(hooks_database, anywhere.id) == [outside["id"], inside["id"]]


async def test_a_subscription_paused_after_its_group_was_formed_is_queued_nothing(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    kept, paused = [
        await subscribe(hooks_database, await new_client(hooks_database, "programs:read"), NOWHERE)
        for _ in range(2)
    ]
    await _read_up_to_now(admin, hooks_database)
    program = await create_program(admin)
    (group,) = await behind(hooks_database)
    async with writing(hooks_database) as session:
        row = await session.get(WebhookSubscription, paused.id)
        assert row is not None
        await service.set_status(session, row, SubscriptionStatus.paused)
        await session.commit()

    queued, moved = await follow_together(hooks_database, group)

    assert (queued, moved) == (1, [kept.id])
    assert (await _data_ids(hooks_database, kept.id))[1:] == [program["id"]]
    assert program["id"] not in await _data_ids(hooks_database, paused.id)
