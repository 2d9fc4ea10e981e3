"""The follower: turns the change feed into deliveries. Each active subscription reads the feed
from its cursor, as its client may read it now, and queues one delivery per entry; the
deliveries and the new cursor are committed together, so nothing committed to the feed is ever
missed or queued twice."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.scopes import ADMIN
from sofifi_api.changes.models import Change, ChangeType
from sofifi_api.changes.service import KINDS, Position, read_changes
from sofifi_api.clients.models import ApiClient
from sofifi_api.db import Database, begin_writing, new_ids, utcnow
from sofifi_api.representations.reading import json_bytes
from sofifi_api.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookSubscription,
)

PAGE_SIZE = 100
# Pages one subscription reads per round, so that a long backlog does not hold the others.
PAGES_PER_ROUND = 10

_deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
_subscriptions = WebhookSubscription.__table__  # type: ignore[attr-defined]


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


@dataclass(frozen=True)
class View:
    """What a subscription reads next: its position, and the feed as its client may read it
    now (the readable types, the areas). Subscriptions of the same view read one page of the
    feed together; subscriptions of different views never share a read."""

    after: Position
    types: tuple[ChangeType, ...]
    areas: AreaScope


def view_of(subscription: WebhookSubscription, client: ApiClient, now: datetime) -> View | None:
    """The subscription's view, or None when its client may read nothing of it now."""
    if not client.is_active(now):
        return None
    types = readable_types(subscription.types, client)
    if not types:
        return None
    return View(
        Position(subscription.position_txid, subscription.position_seq),
        tuple(sorted(types)),
        AreaScope(tuple(sorted(set(client.area_codes)))),
    )


def _active() -> list[sa.ColumnElement[bool]]:
    subscription = WebhookSubscription
    return [
        col(subscription.status) == SubscriptionStatus.active,
        col(subscription.deleted_at).is_(None),
    ]


async def subscriptions_behind(database: Database) -> list[list[uuid.UUID]]:
    """Active subscriptions with changes after their cursor, grouped by their view: only
    those are locked and read (on SQLite a follower's transaction takes the write lock), each
    group in one transaction."""
    subscription = WebhookSubscription
    newer = sa.exists().where(
        sa.tuple_(col(Change.txid), col(Change.seq))
        > sa.tuple_(col(subscription.position_txid), col(subscription.position_seq))
    )
    statement = (
        select(subscription, ApiClient)
        .join(ApiClient, col(ApiClient.id) == col(subscription.client_id))
        .where(*_active(), newer)
        .order_by(col(subscription.id))
    )
    now = utcnow()
    groups: dict[View, list[uuid.UUID]] = {}
    async with database.sessionmaker() as session:
        for found, client in (await session.exec(statement)).all():
            view = view_of(found, client, now)
            if view is not None:
                groups.setdefault(view, []).append(found.id)
    return list(groups.values())


async def follow_all(database: Database) -> int:
    """One round: every active subscription reads what it has not read yet, those that see
    the feed alike together. Returns the number of deliveries queued."""
    queued = 0
    for group in await subscriptions_behind(database):
        reading = group
        for _ in range(PAGES_PER_ROUND):
            added, reading = await follow_together(database, reading)
            queued += added
            if not reading:
                break
    return queued


async def follow_together(
    database: Database, subscription_ids: list[uuid.UUID]
) -> tuple[int, list[uuid.UUID]]:
    """Reads one page of the feed per view among the subscriptions and queues each
    subscription's deliveries from its view's page, in one transaction holding every
    subscription's row: deliveries and cursors are committed together. Returns the deliveries
    queued and the subscriptions whose cursor moved (they may have more to read)."""
    async with database.sessionmaker() as session:
        # On SQLite writers take turns: the lock is held from BEGIN, so no other follower
        # reads the same cursors meanwhile.
        await begin_writing(session)
        # Views are taken again under the lock: a subscription or its client may have
        # changed since the group was formed.
        views: dict[View, list[uuid.UUID]] = {}
        now = utcnow()
        for subscription, client in await _lock(session, subscription_ids):
            view = view_of(subscription, client, now)
            if view is not None:
                views.setdefault(view, []).append(subscription.id)
        if not views:
            return 0, []
        last_ids = await _last_delivery_ids(session, [i for ids in views.values() for i in ids])
        queued = 0
        moved: list[uuid.UUID] = []
        connection = await session.connection()
        for view, ids in views.items():
            entries, position = await read_changes(
                session, view.after, view.types, areas=view.areas, limit=PAGE_SIZE
            )
            if position == view.after:
                continue
            if entries:
                await connection.execute(
                    sa.insert(_deliveries),
                    _delivery_rows(entries, ids, last_ids, utcnow()),
                )
            await connection.execute(
                sa.update(_subscriptions)
                .where(col(WebhookSubscription.id).in_(ids))
                .values(position_txid=position.txid, position_seq=position.seq)
            )
            queued += len(entries) * len(ids)
            moved += ids
        await session.commit()
        return queued, moved


def _delivery_rows(
    entries: list[dict[str, Any]],
    subscription_ids: list[uuid.UUID],
    last_ids: dict[uuid.UUID, uuid.UUID | None],
    now: datetime,
) -> list[dict[str, Any]]:
    """A pending delivery of every entry for every subscription: each entry's data is
    written once, each body around it with the delivery's own id."""
    created_at = now.isoformat().replace("+00:00", "Z")
    events = [(event_type(entry), msgspec.Raw(json_bytes(entry))) for entry in entries]
    rows = []
    for subscription_id in subscription_ids:
        ids = _ids_after(last_ids.get(subscription_id), len(entries))
        for delivery_id, (type_, data) in zip(ids, events, strict=True):
            body = json_bytes(
                {"id": str(delivery_id), "type": type_, "created_at": created_at, "data": data}
            )
            rows.append(
                {
                    "id": delivery_id,
                    "subscription_id": subscription_id,
                    "event_type": type_,
                    "body": body.decode("utf-8"),
                    "status": DeliveryStatus.pending,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    return rows


async def _lock(
    session: AsyncSession, subscription_ids: list[uuid.UUID]
) -> list[tuple[WebhookSubscription, ApiClient]]:
    """The subscriptions still active, each with its client, their rows locked for this
    transaction; on PostgreSQL without those another follower holds now."""
    statement = (
        select(WebhookSubscription, ApiClient)
        .join(ApiClient, col(ApiClient.id) == col(WebhookSubscription.client_id))
        .where(col(WebhookSubscription.id).in_(subscription_ids), *_active())
        .order_by(col(WebhookSubscription.id))
        .with_for_update(skip_locked=True, of=_subscriptions)
        .execution_options(populate_existing=True)
    )
    return [(subscription, client) for subscription, client in (await session.exec(statement))]


async def _last_delivery_ids(
    session: AsyncSession, subscription_ids: list[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each subscription's highest delivery id, in one statement."""
    d = _deliveries.c
    last = (
        sa.select(d.id)
        .where(d.subscription_id == _subscriptions.c.id)
        .order_by(d.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = sa.select(_subscriptions.c.id, last).where(
        _subscriptions.c.id.in_(subscription_ids)
    )
    rows = await (await session.connection()).execute(statement)
    return {row[0]: row[1] for row in rows.all()}


def _ids_after(last: uuid.UUID | None, count: int) -> list[uuid.UUID]:
    """`count` new delivery ids, each above `last`: deliveries are sent in id order, and ids
    made in the same millisecond by another process could sort lower."""
    ids = new_ids(count)
    if count == 0 or last is None or ids[0] > last:
        return ids
    return [uuid.UUID(int=last.int + offset) for offset in range(1, count + 1)]


async def ordered_ids(
    session: AsyncSession, subscription_id: uuid.UUID, count: int
) -> list[uuid.UUID]:
    """`count` new delivery ids, each above every id the subscription has: deliveries are sent
    in id order, and ids made in the same millisecond by another process could sort lower."""
    if count == 0:
        return []
    # The index on (subscription_id, id) answers it; PostgreSQL has no max() of uuids.
    statement = (
        sa.select(col(WebhookDelivery.id))
        .where(col(WebhookDelivery.subscription_id) == subscription_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(1)
    )
    last = (await (await session.connection()).execute(statement)).scalar_one_or_none()
    return _ids_after(last, count)
