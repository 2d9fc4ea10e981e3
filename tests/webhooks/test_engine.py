"""The delivery engine: what a subscription is sent, signed, in order, and what happens when
its receiver fails, sleeps or a worker dies mid-delivery. Real receivers on loopback, a
database that really commits."""

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col
from standardwebhooks import Webhook

from sofifi_api.clients.models import ApiClient
from sofifi_api.db import Database, utcnow
from sofifi_api.webhooks import service
from sofifi_api.webhooks.dispatcher import claim
from sofifi_api.webhooks.follower import follow_all
from sofifi_api.webhooks.models import DeliveryStatus, SubscriptionStatus
from tests.changes.conftest import end_of_feed, follow
from tests.factories import SOFIFI, create_person, create_program
from tests.metrics import scraped
from tests.webhooks.conftest import (
    SCHEDULE,
    deliveries_of,
    eventually,
    make_engine,
    new_client,
    subscribe,
    subscription_now,
    writing,
)
from tests.webhooks.receivers import Reply, receiving

pytestmark = pytest.mark.usefixtures("fresh_subscriptions")

OUTSIDE = "82.72"  # the parent regency: not within a client bound to Sofifi


async def test_a_program_written_after_subscribing_is_delivered_signed(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        program = await create_program(admin)

        await make_engine(hooks_database).run_once()

    (received,) = receiver.received
    Webhook(subscription.secret).verify(received.body, received.headers)
    event = json.loads(received.body)
    assert event["id"] == received.headers["webhook-id"]
    assert event["type"] == "program.upsert"
    assert event["data"]["id"] == program["id"]
    assert event["data"]["resource"]["title"] == program["title"]


async def test_an_events_data_is_the_change_feed_entry_as_the_feed_shows_it(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    cursor = await end_of_feed(admin)
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await make_engine(hooks_database).run_once()
    entries, _ = await follow(admin, cursor, types="program")

    assert [json.loads(r.body)["data"] for r in receiver.received] == entries


async def test_changes_made_before_the_subscription_are_not_delivered(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    if hooks_database.engine.dialect.name == "postgresql":
        # The cursor starts below the oldest transaction still running in the cluster (which
        # may commit later): a change committed just before may then be delivered once more,
        # never missed. Only SQLite, whose writers take turns, starts exactly at the end.
        pytest.skip("PostgreSQL starts a subscription at the feed's safe end, not its last change")
    client_id = await new_client(hooks_database, "programs:read")
    await create_program(admin, title="Sudah ada sebelumnya")
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await make_engine(hooks_database).run_once()

    assert receiver.received == []


@pytest.mark.parametrize(
    "failing",
    [Reply(status=500), Reply(delay_seconds=2)],
    ids=["answered 500", "timed out"],
)
async def test_a_failed_delivery_is_sent_again_until_it_succeeds(
    admin: httpx.AsyncClient, hooks_database: Database, failing: Reply
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database, timeout_seconds=0.5)
    with receiving(replies=[failing, Reply(status=204)]) as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await engine.run_once()
        await asyncio.sleep(0.1)
        await engine.run_once()

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    (delivery,) = await deliveries_of(hooks_database, subscription.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.succeeded, 2)
    assert delivery.delivered_at is not None


async def test_a_delivery_whose_connection_was_refused_is_sent_once_the_receiver_listens(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database)
    with receiving() as receiver:
        url = receiver.url()
        port = receiver.port
    subscription = await subscribe(hooks_database, client_id, url)
    await create_program(admin)
    await engine.run_once()
    (refused,) = await deliveries_of(hooks_database, subscription.id)
    await asyncio.sleep(0.1)
    with receiving(port=port) as receiver:
        await engine.run_once()

    assert (refused.status, refused.last_failure) == (DeliveryStatus.pending, "refused")
    (received,) = receiver.received
    assert received.headers["webhook-id"] == str(refused.id)


async def test_a_receivers_retry_after_postpones_the_next_attempt(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database, schedule=(0.05, 30))
    busy = Reply(status=503, headers={"retry-after": "20"})
    with receiving(busy) as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await engine.run_once()
        await asyncio.sleep(0.2)
        await engine.run_once()

    assert len(receiver.received) == 1
    (delivery,) = await deliveries_of(hooks_database, subscription.id)
    assert delivery.last_attempt_at is not None
    assert delivery.next_attempt_at - delivery.last_attempt_at >= timedelta(seconds=19)


async def test_a_sleeping_receiver_does_not_delay_another_subscription(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database, timeout_seconds=10)
    stop = asyncio.Event()
    with (
        receiving(Reply(delay_seconds=8)) as sleeper,
        receiving() as healthy,
    ):
        asleep = await subscribe(hooks_database, client_id, sleeper.url())
        await subscribe(hooks_database, client_id, healthy.url())
        await create_program(admin, title="Pertama")
        running = asyncio.create_task(engine.run(stop))
        try:
            await eventually(lambda: bool(sleeper.received))
            await create_program(admin, title="Kedua")
            await eventually(lambda: len(healthy.received) == 2, seconds=6)
        finally:
            stop.set()
            await running

    # The sleeper got its first event and is still sleeping over it: no outcome recorded yet.
    delivery, *_ = await deliveries_of(hooks_database, asleep.id)
    assert (delivery.attempts, delivery.last_attempt_at) == (1, None)


async def test_an_area_bound_client_is_sent_nothing_from_other_areas(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "participants:read", area_codes=[SOFIFI])
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url(), types=["participant"])
        await create_person(admin, area_code=OUTSIDE, full_name="Warga di luar")
        inside = await create_person(admin, area_code=SOFIFI, full_name="Warga Sofifi")
        await make_engine(hooks_database).run_once()

    assert [json.loads(r.body)["data"]["id"] for r in receiver.received] == [inside["id"]]


async def test_a_client_whose_scope_is_withdrawn_is_sent_nothing_more(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database)
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin, title="Sebelum")
        await engine.run_once()
        async with writing(hooks_database) as session:
            await (await session.connection()).execute(
                sa.update(ApiClient)
                .where(col(ApiClient.id) == client_id)
                .values(scopes=["areas:read"])
            )
            await session.commit()
        await create_program(admin, title="Sesudah")
        await engine.run_once()

    titles = [json.loads(r.body)["data"]["resource"]["title"] for r in receiver.received]
    assert titles == ["Sebelum"]


async def test_a_subscription_is_disabled_with_the_reason_when_the_schedule_runs_out(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database, schedule=(0.02,))
    with receiving(Reply(status=500)) as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await engine.run_once()
        await asyncio.sleep(0.1)
        await engine.run_once()

    assert len(receiver.received) == 2
    (delivery,) = await deliveries_of(hooks_database, subscription.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.failed, 2)
    disabled = await subscription_now(hooks_database, subscription.id)
    assert disabled.status == SubscriptionStatus.disabled
    assert disabled.disabled_reason is not None
    assert "HTTP 500" in disabled.disabled_reason


async def test_a_delivery_whose_lease_expired_is_sent_again(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await follow_all(hooks_database)
        # A worker claims it and dies before sending: its lease runs out.
        (claimed,) = await claim(hooks_database, "killed-worker", 10, timedelta(seconds=-1))
        await make_engine(hooks_database, worker="worker-2").run_once()

    assert [r.headers["webhook-id"] for r in receiver.received] == [str(claimed.id)]
    (delivery,) = await deliveries_of(hooks_database, subscription.id)
    assert delivery.status == DeliveryStatus.succeeded


async def test_a_delivery_claimed_past_its_last_attempt_is_given_up_unsent(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await follow_all(hooks_database)
        # Every scheduled attempt was claimed by a worker that died sending it.
        for _ in range(len(SCHEDULE) + 1):
            await claim(hooks_database, "killed-worker", 10, timedelta(seconds=-1))
        await make_engine(hooks_database, worker="worker-2").run_once()

    assert receiver.received == []
    (delivery,) = await deliveries_of(hooks_database, subscription.id)
    assert (delivery.status, delivery.last_failure) == (DeliveryStatus.failed, "abandoned")
    disabled = await subscription_now(hooks_database, subscription.id)
    assert disabled.status == SubscriptionStatus.disabled
    assert "abandoned" in (disabled.disabled_reason or "")


async def test_an_attempt_its_worker_died_during_is_counted(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await follow_all(hooks_database)
        # Its receiver may have had the event: the attempt counts although nothing recorded it.
        await claim(hooks_database, "killed-worker", 10, timedelta(seconds=-1))
        await make_engine(hooks_database, worker="worker-2").run_once()

    assert len(receiver.received) == 1
    (delivery,) = await deliveries_of(hooks_database, subscription.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.succeeded, 2)


async def test_a_delivery_leased_to_another_worker_is_not_sent(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await follow_all(hooks_database)
        await claim(hooks_database, "busy-worker", 10, timedelta(minutes=5))
        await make_engine(hooks_database, worker="worker-2").run_once()

    assert receiver.received == []


async def test_a_subscription_receives_its_events_in_feed_order(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database)
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        titles = [f"Program {n}" for n in range(5)]
        for title in titles:
            await create_program(admin, title=title)
        for _ in range(5):
            await engine.run_once()

    received = [json.loads(r.body)["data"]["resource"]["title"] for r in receiver.received]
    assert received == titles


async def test_a_subscriptions_next_event_is_sent_as_soon_as_the_last_one_is_answered(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    # Only the first round comes from the poll within the test.
    engine = make_engine(hooks_database, poll_seconds=60)
    stop = asyncio.Event()
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        for n in range(3):
            await create_program(admin, title=f"Program {n}")
        running = asyncio.create_task(engine.run(stop))
        try:
            await eventually(lambda: len(receiver.received) == 3)
        finally:
            stop.set()
            await running

    received = [json.loads(r.body)["data"]["resource"]["title"] for r in receiver.received]
    assert received == ["Program 0", "Program 1", "Program 2"]


async def test_two_dispatchers_at_once_never_send_one_delivery_twice(
    admin: httpx.AsyncClient, hooks_database: Database, hooks_url: str
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    other_process = Database(hooks_url)
    stop = asyncio.Event()
    try:
        with receiving() as first, receiving() as second, receiving() as third:
            receivers = (first, second, third)
            for receiver in receivers:
                await subscribe(hooks_database, client_id, receiver.url())
            for n in range(6):
                await create_program(admin, title=f"Program {n}")
            workers = [
                asyncio.create_task(make_engine(hooks_database, worker="a").run(stop)),
                asyncio.create_task(make_engine(other_process, worker="b").run(stop)),
            ]
            try:
                await eventually(lambda: all(len(r.received) >= 6 for r in receivers), seconds=30)
                await asyncio.sleep(0.3)
            finally:
                stop.set()
                await asyncio.gather(*workers)
    finally:
        await other_process.dispose()

    for receiver in receivers:
        ids = [r.headers["webhook-id"] for r in receiver.received]
        assert len(ids) == len(set(ids)) == 6


async def test_a_deleted_subscription_is_sent_nothing_more(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await follow_all(hooks_database)
        async with writing(hooks_database) as session:
            row = await session.get(type(subscription), subscription.id)
            assert row is not None
            await service.delete_subscription(session, row)
            await session.commit()
        await make_engine(hooks_database).run_once()

    assert receiver.received == []


async def test_a_revoked_clients_queued_deliveries_are_not_sent(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await follow_all(hooks_database)
        async with writing(hooks_database) as session:
            await (await session.connection()).execute(
                sa.update(ApiClient)
                .where(col(ApiClient.id) == client_id)
                .values(revoked_at=utcnow())
            )
            await session.commit()
        await make_engine(hooks_database).run_once()

    assert receiver.received == []


async def test_deliveries_are_counted_by_result(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    engine = make_engine(hooks_database)
    before = {
        result: scraped("sofifi_webhook_deliveries_total", result=result)
        for result in ("succeeded", "retried")
    }
    with receiving(replies=[Reply(status=500), Reply(status=204)]) as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        await engine.run_once()
        await asyncio.sleep(0.1)
        await engine.run_once()

    assert len(receiver.received) == 2
    for result in ("succeeded", "retried"):
        assert scraped("sofifi_webhook_deliveries_total", result=result) == before[result] + 1
