"""Deliveries a client asks for, sent while its request waits: a test event (`ping`) and the
redelivery of one event. Each holds the delivery's lease for its one attempt, as a worker does,
so no worker sends it at the same time; neither follows the retry schedule nor disables the
subscription. No transaction stays open while the receiver is called."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import SessionOpener, begin_writing, utcnow
from sofifi_api.errors import Conflict
from sofifi_api.webhooks.dispatcher import Claimed, DispatchSettings, attempt, attempt_values
from sofifi_api.webhooks.engine import worker_name
from sofifi_api.webhooks.follower import envelope, ordered_ids
from sofifi_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from sofifi_api.webhooks.service import DeliveryNotFound, WebhookNotFound

PING = "webhook.ping"


class DeliveryInFlight(Conflict):
    title, slug = "Delivery in flight", "delivery-in-flight"

    def __init__(self) -> None:
        super().__init__(
            "The delivery is being sent right now; its attempt ends within the delivery "
            "timeout. Read it again, then ask for a redelivery if it still needs one."
        )


@asynccontextmanager
async def _writing(sessions: SessionOpener) -> AsyncIterator[AsyncSession]:
    """A short session that writes: on SQLite it waits its turn from BEGIN, as requests do."""
    async with sessions() as session:
        await begin_writing(session)
        yield session


async def _own_subscription(
    session: AsyncSession, client_id: uuid.UUID, subscription_id: uuid.UUID, *, lock: bool
) -> WebhookSubscription:
    statement = select(WebhookSubscription).where(
        col(WebhookSubscription.id) == subscription_id,
        col(WebhookSubscription.client_id) == client_id,
        col(WebhookSubscription.deleted_at).is_(None),
    )
    if lock:
        statement = statement.with_for_update()
    subscription = (await session.exec(statement)).first()
    if subscription is None:
        raise WebhookNotFound(subscription_id)
    return subscription


def _claimed(
    subscription: WebhookSubscription,
    delivery_id: uuid.UUID,
    body: str,
    attempts: int,
    created_at: datetime,
    now: datetime,
) -> Claimed:
    return Claimed(
        id=delivery_id,
        subscription_id=subscription.id,
        body=body.encode("utf-8"),
        attempts=attempts,
        created_at=created_at,
        url=subscription.url,
        signing_secrets=subscription.signing_secrets(now),
    )


async def ping(
    sessions: SessionOpener,
    client_id: uuid.UUID,
    subscription_id: uuid.UUID,
    settings: DispatchSettings,
) -> WebhookDelivery:
    """Sends a `webhook.ping` event to the subscription now, whatever its status, and returns
    its delivery: `succeeded`, or `failed` with what the receiver did."""
    worker = f"api:{worker_name()}"
    now = utcnow()
    async with _writing(sessions) as session:
        # Locked, so that the follower's ids and this one keep the subscription's order.
        subscription = await _own_subscription(session, client_id, subscription_id, lock=True)
        [delivery_id] = await ordered_ids(session, subscription_id, 1)
        body = envelope(delivery_id, PING, now, {"webhook_id": str(subscription_id)}).decode(
            "utf-8"
        )
        session.add(
            WebhookDelivery(
                id=delivery_id,
                subscription_id=subscription_id,
                event_type=PING,
                body=body,
                attempts=1,
                next_attempt_at=now,
                locked_until=now + settings.lease,
                locked_by=worker,
                created_at=now,
            )
        )
        claimed = _claimed(subscription, delivery_id, body, 1, now, now)
        await session.commit()
    return await _send(sessions, worker, claimed, settings, on_failure=DeliveryStatus.failed)


async def redeliver(
    sessions: SessionOpener,
    client_id: uuid.UUID,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    settings: DispatchSettings,
) -> WebhookDelivery:
    """Sends one of the subscription's deliveries again now, with its own id and body, whatever
    its status; 409 (DeliveryInFlight) while a worker is sending it. A success marks it
    succeeded; a failure leaves its status and its next scheduled attempt as they were."""
    worker = f"api:{worker_name()}"
    now = utcnow()
    d = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
    async with _writing(sessions) as session:
        subscription = await _own_subscription(session, client_id, subscription_id, lock=False)
        connection = await session.connection()
        leased = (
            await connection.execute(
                sa.update(WebhookDelivery.__table__)  # type: ignore[attr-defined]
                .where(
                    d.id == delivery_id,
                    d.subscription_id == subscription_id,
                    sa.or_(d.locked_until.is_(None), d.locked_until < now),
                )
                .values(
                    locked_until=now + settings.lease, locked_by=worker, attempts=d.attempts + 1
                )
                .returning(d.body, d.attempts, d.created_at)
            )
        ).first()
        if leased is None:
            exists = await connection.scalar(
                sa.select(d.id).where(d.id == delivery_id, d.subscription_id == subscription_id)
            )
            raise DeliveryNotFound(delivery_id) if exists is None else DeliveryInFlight()
        claimed = _claimed(
            subscription, delivery_id, leased.body, leased.attempts, leased.created_at, now
        )
        await session.commit()
    return await _send(sessions, worker, claimed, settings, on_failure=None)


async def _send(
    sessions: SessionOpener,
    worker: str,
    delivery: Claimed,
    settings: DispatchSettings,
    *,
    on_failure: DeliveryStatus | None,
) -> WebhookDelivery:
    """One attempt, recorded (a failure sets `on_failure`, or leaves the status); the delivery
    as it stands after it."""
    outcome = await attempt(delivery, settings)
    now = utcnow()
    values = attempt_values(outcome, now)
    if not outcome.succeeded and on_failure is not None:
        values["status"] = on_failure
    async with _writing(sessions) as session:
        await (await session.connection()).execute(
            sa.update(WebhookDelivery.__table__)  # type: ignore[attr-defined]
            .where(
                col(WebhookDelivery.id) == delivery.id,
                col(WebhookDelivery.locked_by) == worker,
            )
            .values(**values)
        )
        await session.commit()
        recorded = await session.get(WebhookDelivery, delivery.id, populate_existing=True)
    if recorded is None:  # the subscription was deleted for good meanwhile
        raise DeliveryNotFound(delivery.id)
    return recorded
