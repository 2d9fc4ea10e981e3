"""The follower: turns the change feed into deliveries. Each active subscription reads the feed
from its cursor, as its client may read it now, and queues one delivery per entry; the
deliveries and the new cursor are committed together, so nothing committed to the feed is ever
missed or queued twice."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.scopes import ADMIN
from sofifi_api.changes.models import Change, ChangeType
from sofifi_api.changes.service import KINDS, Position, read_changes
from sofifi_api.clients.models import ApiClient
from sofifi_api.db import SQLITE_BEGIN_IMMEDIATE, Database, new_ids, utcnow
from sofifi_api.representations.reading import json_bytes
from sofifi_api.webhooks.models import SubscriptionStatus, WebhookDelivery, WebhookSubscription

PAGE_SIZE = 100
# Pages one subscription reads per round, so that a long backlog does not hold the others.
PAGES_PER_ROUND = 10


def readable_types(subscription_types: list[str], client: ApiClient) -> list[ChangeType]:
    """The types the subscription asks for (all, when it names none) that the client may read
    now: each type's scope, as the change feed requires it."""
    scopes = set(client.scopes)

    def allowed(change_type: ChangeType) -> bool:
        return ADMIN in scopes or KINDS[change_type].scope in scopes

    wanted = (
        [ChangeType(name) for name in subscription_types if name in ChangeType.__members__]
        if subscription_types
        else list(KINDS)
    )
    return [change_type for change_type in wanted if allowed(change_type)]


def envelope(delivery_id: uuid.UUID, type_: str, created_at: datetime, data: Any) -> bytes:
    """An event as signed and sent: its id (the `webhook-id`), its type, when it was made, and
    its data."""
    return json_bytes(
        {
            "id": str(delivery_id),
            "type": type_,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "data": data,
        }
    )


def event_body(delivery_id: uuid.UUID, entry: dict[str, Any], created_at: datetime) -> bytes:
    """A change's event: `<type>.<op>` and the change-feed entry as the feed writes it."""
    return envelope(delivery_id, event_type(entry), created_at, entry)


def event_type(entry: dict[str, Any]) -> str:
    return f"{entry['type']}.{entry['op']}"


async def subscriptions_behind(database: Database) -> list[uuid.UUID]:
    """Active subscriptions with changes after their cursor: only those are locked and read
    (on SQLite a follower's transaction takes the write lock)."""
    subscription = WebhookSubscription
    newer = sa.exists().where(
        sa.tuple_(col(Change.txid), col(Change.seq))
        > sa.tuple_(col(subscription.position_txid), col(subscription.position_seq))
    )
    statement = select(subscription.id).where(
        col(subscription.status) == SubscriptionStatus.active,
        col(subscription.deleted_at).is_(None),
        newer,
    )
    async with database.sessionmaker() as session:
        return list((await session.exec(statement)).all())


async def follow_all(database: Database) -> int:
    """One round: every active subscription reads what it has not read yet. Returns the
    number of deliveries queued."""
    queued = 0
    for subscription_id in await subscriptions_behind(database):
        for _ in range(PAGES_PER_ROUND):
            added, moved = await follow_once(database, subscription_id)
            queued += added
            if not moved:
                break
    return queued


async def follow_once(database: Database, subscription_id: uuid.UUID) -> tuple[int, bool]:
    """Reads one page of the feed for the subscription and queues its deliveries, in one
    transaction holding the subscription's row. Returns the deliveries queued and whether the
    cursor moved (there may be more to read)."""
    async with database.sessionmaker() as session:
        if database.engine.dialect.name == "sqlite":
            # Writers take turns: the lock is held from BEGIN, so no other follower reads
            # the same cursor meanwhile.
            await session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
        subscription = await _lock(session, subscription_id)
        if subscription is None:
            return 0, False
        client = await session.get(ApiClient, subscription.client_id)
        if client is None or not client.is_active(utcnow()):
            return 0, False
        after = Position(subscription.position_txid, subscription.position_seq)
        types = readable_types(subscription.types, client)
        if not types:
            return 0, False
        entries, position = await read_changes(
            session, after, types, areas=AreaScope(tuple(client.area_codes)), limit=PAGE_SIZE
        )
        if position == after:
            return 0, False
        now = utcnow()
        ids = await ordered_ids(session, subscription_id, len(entries))
        session.add_all(
            WebhookDelivery(
                id=delivery_id,
                subscription_id=subscription_id,
                event_type=event_type(entry),
                body=event_body(delivery_id, entry, now).decode("utf-8"),
                next_attempt_at=now,
                created_at=now,
            )
            for delivery_id, entry in zip(ids, entries, strict=True)
        )
        subscription.position_txid, subscription.position_seq = position.txid, position.seq
        session.add(subscription)
        await session.commit()
        return len(entries), True


async def _lock(session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription | None:
    """The subscription, if still active, its row locked for this transaction; None also when
    another follower holds it now (PostgreSQL)."""
    statement = (
        select(WebhookSubscription)
        .where(
            col(WebhookSubscription.id) == subscription_id,
            col(WebhookSubscription.status) == SubscriptionStatus.active,
            col(WebhookSubscription.deleted_at).is_(None),
        )
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).first()


async def ordered_ids(
    session: AsyncSession, subscription_id: uuid.UUID, count: int
) -> list[uuid.UUID]:
    """`count` new delivery ids, each above every id the subscription has: deliveries are sent
    in id order, and ids made in the same millisecond by another process could sort lower."""
    if count == 0:
        return []
    ids = new_ids(count)
    # The index on (subscription_id, id) answers it; PostgreSQL has no max() of uuids.
    statement = (
        sa.select(col(WebhookDelivery.id))
        .where(col(WebhookDelivery.subscription_id) == subscription_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(1)
    )
    last = (await (await session.connection()).execute(statement)).scalar_one_or_none()
    if last is None or ids[0] > last:
        return ids
    return [uuid.UUID(int=last.int + offset) for offset in range(1, count + 1)]
