"""Retention of the webhook delivery log. A finished delivery (`succeeded` or `failed`) is kept
until its last attempt is older than the retention; a subscription deleted longer ago than that
is removed for good, with every delivery it had. A pending delivery of a live subscription is
never removed, however old.

Rows go in batches, each batch a statement in a transaction of its own, so that a large backlog
never holds a long lock (on SQLite, the write lock) and other writers take their turn between
batches. On PostgreSQL a batch skips rows another transaction holds (`FOR UPDATE SKIP LOCKED`):
engines pruning at once share the work and never wait on each other."""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sofifi_api.db import Database, begin_writing
from sofifi_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

# Rows one statement removes.
BATCH = 1000

_deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
_subscriptions = WebhookSubscription.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Pruned:
    """What one pruning removed: deliveries (finished ones past the retention, and those of
    the subscriptions removed), and subscriptions deleted before the retention."""

    deliveries: int = 0
    subscriptions: int = 0


def _expired_deliveries(status: DeliveryStatus, older_than: datetime, batch: int) -> sa.Select[Any]:
    """One status at a time, oldest first: the index on (status, next_attempt_at) is read in
    order and the search stops at the batch's end, rather than scanning the table."""
    d = _deliveries.c
    return (
        sa.select(d.id)
        .where(
            d.status == status,
            # Implied by the next condition (a delivery is attempted only once due, and falls
            # due after it is queued), for the index.
            d.next_attempt_at < older_than,
            sa.func.coalesce(d.last_attempt_at, d.created_at) < older_than,
        )
        .order_by(d.next_attempt_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )


def _deliveries_of(subscription_id: uuid.UUID, batch: int) -> sa.Select[Any]:
    d = _deliveries.c
    # In the order of the index on (subscription_id, id), which the search then reads.
    return (
        sa.select(d.id)
        .where(d.subscription_id == subscription_id)
        .order_by(d.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )


def _emptied_subscriptions(older_than: datetime, batch: int) -> sa.Select[Any]:
    """Subscriptions deleted before `older_than` with no delivery left: removing one cascades
    to nothing, so the statement stays as small as its batch."""
    s = _subscriptions.c
    return (
        sa.select(s.id)
        .where(
            s.deleted_at < older_than,
            ~sa.exists().where(_deliveries.c.subscription_id == s.id),
        )
        .limit(batch)
        .with_for_update(skip_locked=True)
    )


async def _deleted_before(database: Database, older_than: datetime) -> list[uuid.UUID]:
    statement = sa.select(_subscriptions.c.id).where(_subscriptions.c.deleted_at < older_than)
    async with database.engine.connect() as connection:
        return list((await connection.execute(statement)).scalars())


async def _delete_in_batches(
    database: Database, table: sa.Table, batch_ids: sa.Select[Any], batch: int
) -> int:
    """Deletes the rows of `table` whose ids `batch_ids` selects (at most `batch` at a time),
    one transaction per batch, until a batch comes up short. Returns the rows deleted."""
    statement = sa.delete(table).where(table.c.id.in_(batch_ids.scalar_subquery()))
    loop = asyncio.get_running_loop()
    deleted = 0
    while True:
        started = loop.time()
        async with database.sessionmaker() as session:
            connection = await begin_writing(session)
            count = (await connection.execute(statement)).rowcount
            await session.commit()
        deleted += count
        if count < batch:
            return deleted
        # Pausing as long as the batch took leaves other writers at least half the time (on
        # SQLite, where they wait for the one write lock).
        await asyncio.sleep(loop.time() - started)


async def prune(database: Database, older_than: datetime, batch: int = BATCH) -> Pruned:
    """Removes finished deliveries last attempted before `older_than`, and subscriptions
    deleted before it with all their deliveries; `batch` rows a statement."""
    if batch <= 0:
        raise ValueError("batch must be positive")
    deliveries = 0
    for status in (DeliveryStatus.succeeded, DeliveryStatus.failed):
        deliveries += await _delete_in_batches(
            database, _deliveries, _expired_deliveries(status, older_than, batch), batch
        )
    for subscription_id in await _deleted_before(database, older_than):
        deliveries += await _delete_in_batches(
            database, _deliveries, _deliveries_of(subscription_id, batch), batch
        )
    subscriptions = await _delete_in_batches(
        database, _subscriptions, _emptied_subscriptions(older_than, batch), batch
    )
    pruned = Pruned(deliveries=deliveries, subscriptions=subscriptions)
    if pruned != Pruned():
        logger.info(
            "webhook delivery log pruned",
            extra={"deliveries": pruned.deliveries, "subscriptions": pruned.subscriptions},
        )
    return pruned
