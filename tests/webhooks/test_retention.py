"""Retention of the delivery log: finished deliveries go once their last attempt is older than
the retention, pending ones never, and a subscription deleted long ago goes with its
deliveries. A database that really commits, as the engines that prune share it."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from sofifi_api.config import Settings
from sofifi_api.db import Database, utcnow
from sofifi_api.webhooks.engine import Engine
from sofifi_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from sofifi_api.webhooks.retention import Pruned, prune
from tests.webhooks.conftest import new_client, subscribe, writing

pytestmark = pytest.mark.usefixtures("fresh_subscriptions")

RETENTION = timedelta(days=30)
PAST_IT = RETENTION + timedelta(days=1)
WITHIN_IT = RETENTION - timedelta(days=1)
# Nothing listens there: these subscriptions are never sent anything.
NOWHERE = "http://127.0.0.1:9/hooks"


async def a_subscription(database: Database) -> WebhookSubscription:
    client_id = await new_client(database, "programs:read")
    return await subscribe(database, client_id, NOWHERE)


async def logged(
    database: Database,
    subscription_id: uuid.UUID,
    status: DeliveryStatus,
    age: timedelta,
    *,
    count: int = 1,
    attempted: bool = True,
) -> list[uuid.UUID]:
    """`count` deliveries queued, due and (if `attempted`) last attempted `age` ago."""
    at = utcnow() - age
    deliveries = [
        WebhookDelivery(
            subscription_id=subscription_id,
            event_type="program.upsert",
            body="{}",
            status=status,
            attempts=1 if attempted else 0,
            next_attempt_at=at,
            last_attempt_at=at if attempted else None,
            last_status_code=204 if status == DeliveryStatus.succeeded else None,
            delivered_at=at if status == DeliveryStatus.succeeded else None,
            created_at=at,
        )
        for _ in range(count)
    ]
    async with writing(database) as session:
        session.add_all(deliveries)
        await session.commit()
    return [delivery.id for delivery in deliveries]


async def delete_subscription(
    database: Database, subscription_id: uuid.UUID, ago: timedelta
) -> None:
    async with writing(database) as session:
        await (await session.connection()).execute(
            sa.update(WebhookSubscription)
            .where(col(WebhookSubscription.id) == subscription_id)
            .values(deleted_at=utcnow() - ago)
        )
        await session.commit()


async def kept(database: Database, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    async with database.sessionmaker() as session:
        statement = select(WebhookDelivery.id).where(col(WebhookDelivery.id).in_(ids))
        return set((await session.exec(statement)).all())


async def subscription_kept(database: Database, subscription_id: uuid.UUID) -> bool:
    async with database.sessionmaker() as session:
        return await session.get(WebhookSubscription, subscription_id) is not None


async def prune_past_retention(database: Database, batch: int = 1000) -> Pruned:
    return await prune(database, utcnow() - RETENTION, batch)


@pytest.mark.parametrize("status", [DeliveryStatus.succeeded, DeliveryStatus.failed])
async def test_a_finished_delivery_last_attempted_before_the_retention_is_pruned(
    hooks_database: Database, status: DeliveryStatus
) -> None:
    subscription = await a_subscription(hooks_database)
    old = await logged(hooks_database, subscription.id, status, PAST_IT)

    await prune_past_retention(hooks_database)

    assert await kept(hooks_database, old) == set()


@pytest.mark.parametrize("status", [DeliveryStatus.succeeded, DeliveryStatus.failed])
async def test_a_finished_delivery_within_the_retention_is_kept(
    hooks_database: Database, status: DeliveryStatus
) -> None:
    subscription = await a_subscription(hooks_database)
    recent = await logged(hooks_database, subscription.id, status, WITHIN_IT)

    await prune_past_retention(hooks_database)

    assert await kept(hooks_database, recent) == set(recent)


async def test_a_delivery_queued_long_ago_but_last_attempted_recently_is_kept(
    hooks_database: Database,
) -> None:
    subscription = await a_subscription(hooks_database)
    (retried,) = await logged(hooks_database, subscription.id, DeliveryStatus.failed, PAST_IT)
    async with writing(hooks_database) as session:
        await (await session.connection()).execute(
            sa.update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == retried)
            .values(last_attempt_at=utcnow() - WITHIN_IT)
        )
        await session.commit()

    await prune_past_retention(hooks_database)

    assert await kept(hooks_database, [retried]) == {retried}


@pytest.mark.parametrize("attempted", [False, True], ids=["never-attempted", "retrying"])
async def test_a_pending_delivery_is_never_pruned_however_old(
    hooks_database: Database, attempted: bool
) -> None:
    subscription = await a_subscription(hooks_database)
    pending = await logged(
        hooks_database,
        subscription.id,
        DeliveryStatus.pending,
        timedelta(days=3650),
        attempted=attempted,
    )

    await prune_past_retention(hooks_database)

    assert await kept(hooks_database, pending) == set(pending)


async def test_a_subscription_deleted_before_the_retention_goes_with_all_its_deliveries(
    hooks_database: Database,
) -> None:
    subscription = await a_subscription(hooks_database)
    deliveries = [
        *await logged(hooks_database, subscription.id, DeliveryStatus.succeeded, WITHIN_IT),
        *await logged(hooks_database, subscription.id, DeliveryStatus.pending, WITHIN_IT),
    ]
    await delete_subscription(hooks_database, subscription.id, PAST_IT)

    await prune_past_retention(hooks_database)

    assert not await subscription_kept(hooks_database, subscription.id)
    assert await kept(hooks_database, deliveries) == set()


async def test_a_subscription_deleted_within_the_retention_is_kept_with_its_recent_deliveries(
    hooks_database: Database,
) -> None:
    subscription = await a_subscription(hooks_database)
    recent = await logged(hooks_database, subscription.id, DeliveryStatus.succeeded, WITHIN_IT)
    await delete_subscription(hooks_database, subscription.id, WITHIN_IT)

    await prune_past_retention(hooks_database)

    assert await subscription_kept(hooks_database, subscription.id)
    assert await kept(hooks_database, recent) == set(recent)


async def test_a_backlog_larger_than_a_batch_is_pruned_entirely_and_counted(
    hooks_database: Database,
) -> None:
    await prune_past_retention(hooks_database)  # what earlier tests left
    subscription = await a_subscription(hooks_database)
    finished = await logged(
        hooks_database, subscription.id, DeliveryStatus.succeeded, PAST_IT, count=23
    )
    gone = await a_subscription(hooks_database)
    of_gone = await logged(hooks_database, gone.id, DeliveryStatus.pending, PAST_IT, count=12)
    await delete_subscription(hooks_database, gone.id, PAST_IT)

    pruned = await prune_past_retention(hooks_database, batch=5)

    assert pruned == Pruned(deliveries=35, subscriptions=1)
    assert await kept(hooks_database, finished + of_gone) == set()


async def test_engines_pruning_at_once_share_the_backlog_without_error(
    hooks_database: Database, hooks_url: str
) -> None:
    await prune_past_retention(hooks_database)  # what earlier tests left
    subscription = await a_subscription(hooks_database)
    finished = await logged(
        hooks_database, subscription.id, DeliveryStatus.failed, PAST_IT, count=200
    )
    gone = await a_subscription(hooks_database)
    of_gone = await logged(hooks_database, gone.id, DeliveryStatus.succeeded, PAST_IT, count=50)
    await delete_subscription(hooks_database, gone.id, PAST_IT)
    other_process = Database(hooks_url)
    try:
        first, second = await asyncio.gather(
            prune_past_retention(hooks_database, batch=10),
            prune_past_retention(other_process, batch=10),
        )
    finally:
        await other_process.dispose()

    assert first.deliveries + second.deliveries == 250
    assert first.subscriptions + second.subscriptions == 1
    assert await kept(hooks_database, finished + of_gone) == set()


async def test_a_running_engine_prunes_the_log_past_the_configured_retention(
    hooks_database: Database,
) -> None:
    settings = Settings(webhook_retention_days=7, webhook_poll_seconds=0.02)
    subscription = await a_subscription(hooks_database)
    old = await logged(hooks_database, subscription.id, DeliveryStatus.succeeded, timedelta(days=8))
    recent = await logged(
        hooks_database, subscription.id, DeliveryStatus.succeeded, timedelta(days=6)
    )
    stop = asyncio.Event()
    running = asyncio.create_task(Engine.of(hooks_database, settings).run(stop))
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while await kept(hooks_database, old):
            assert asyncio.get_running_loop().time() < deadline, "not pruned in time"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await running

    assert await kept(hooks_database, recent) == set(recent)
