"""The dispatcher: claims due deliveries under a lease, sends them, and records the outcome.

A delivery is claimed only when it is its subscription's oldest pending one, so a subscription
receives its events in feed order. The lease (`locked_until`, `locked_by`) keeps other workers
off it while it is sent; a worker that dies mid-delivery leaves its lease to expire, and the
delivery is then sent again (at least once). On PostgreSQL the claim skips rows another worker
is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite writers take turns."""

import asyncio
import logging
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from sofifi_api import metrics
from sofifi_api.clients.models import ApiClient
from sofifi_api.config import Settings
from sofifi_api.db import Database, begin_writing, utcnow
from sofifi_api.webhooks import signing
from sofifi_api.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from sofifi_api.webhooks.schedule import RetrySchedule
from sofifi_api.webhooks.sender import (
    DeliveryOutcome,
    DeliveryTimeouts,
    FailureKind,
    send_event,
)

logger = logging.getLogger(__name__)

# A lease outlasts the longest attempt by this much: for the claim's commit, recording the
# outcome and clocks differing between hosts. Too short risks only a second send (at least
# once); too long keeps a dead worker's deliveries waiting.
LEASE_MARGIN_SECONDS = 5.0

_deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
_subscriptions = WebhookSubscription.__table__  # type: ignore[attr-defined]
_clients = ApiClient.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds, with what sending it needs."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    body: bytes
    attempts: int  # this one included
    created_at: datetime
    url: str
    signing_secrets: list[str]


@dataclass(frozen=True)
class DispatchSettings:
    allow_private: bool
    timeouts: DeliveryTimeouts
    schedule: RetrySchedule
    trust: ssl.SSLContext | None = None

    @classmethod
    def of(cls, settings: Settings, trust: ssl.SSLContext | None = None) -> "DispatchSettings":
        return cls(
            allow_private=settings.webhook_allow_private,
            timeouts=DeliveryTimeouts(
                connect_seconds=settings.webhook_connect_timeout_seconds,
                total_seconds=settings.webhook_timeout_seconds,
            ),
            schedule=RetrySchedule(settings.webhook_retry_schedule),
            trust=trust,
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.timeouts.total_seconds + LEASE_MARGIN_SECONDS)


def _due(now: datetime, limit: int, *, lock: bool = True) -> sa.Select[tuple[uuid.UUID]]:
    """Ids of deliveries to claim: pending, due, not leased, the oldest pending one of an
    active subscription whose client is neither revoked nor expired; the longest waiting
    first."""
    older = _deliveries.alias("older")
    d = _deliveries.c
    clients = _clients.c
    statement = (
        sa.select(d.id)
        .where(
            d.status == DeliveryStatus.pending,
            d.next_attempt_at <= now,
            sa.or_(d.locked_until.is_(None), d.locked_until < now),
            ~sa.exists().where(
                older.c.subscription_id == d.subscription_id,
                older.c.status == DeliveryStatus.pending,
                older.c.id < d.id,
            ),
            sa.exists().where(
                _subscriptions.c.id == d.subscription_id,
                _subscriptions.c.status == SubscriptionStatus.active,
                _subscriptions.c.deleted_at.is_(None),
                clients.id == _subscriptions.c.client_id,
                clients.revoked_at.is_(None),
                sa.or_(clients.expires_at.is_(None), clients.expires_at > now),
            ),
        )
        .order_by(d.next_attempt_at)
        .limit(limit)
    )
    return statement.with_for_update(skip_locked=True, of=_deliveries) if lock else statement


async def claim(database: Database, worker: str, limit: int, lease: timedelta) -> list[Claimed]:
    """Leases up to `limit` due deliveries to `worker` and returns them; committed before any
    is sent, so other workers see the lease. The attempt is counted here: one cut short by
    its worker's death counts too, as its receiver may have had it."""
    if limit <= 0:
        return []
    d = _deliveries.c
    async with database.sessionmaker() as session:
        # First a plain read: a round with nothing due takes no lock (on SQLite, the write lock).
        connection = await session.connection()
        if (await connection.execute(_due(utcnow(), 1, lock=False))).first() is None:
            return []
    async with database.sessionmaker() as session:
        connection = await begin_writing(session)
        # Once the transaction has begun (on SQLite, holding the write lock): a wait for the
        # lock does not eat into the lease.
        now = utcnow()
        claimed = (
            await connection.execute(
                sa.update(_deliveries)
                .where(d.id.in_(_due(now, limit).scalar_subquery()))
                .values(locked_until=now + lease, locked_by=worker, attempts=d.attempts + 1)
                .returning(d.id, d.subscription_id, d.body, d.attempts, d.created_at)
            )
        ).all()
        if not claimed:
            await session.commit()
            return []
        s = _subscriptions.c
        subscriptions = {
            row.id: row
            for row in (
                await connection.execute(
                    sa.select(
                        s.id, s.url, s.secret, s.previous_secret, s.previous_secret_expires_at
                    ).where(s.id.in_({row.subscription_id for row in claimed}))
                )
            ).all()
        }
        await session.commit()
    result = []
    for row in claimed:
        subscription = subscriptions[row.subscription_id]
        signing_secrets = [subscription.secret]
        expires = subscription.previous_secret_expires_at
        if subscription.previous_secret is not None and expires is not None and expires > now:
            signing_secrets.append(subscription.previous_secret)
        result.append(
            Claimed(
                id=row.id,
                subscription_id=row.subscription_id,
                body=row.body.encode("utf-8"),
                attempts=row.attempts,
                created_at=row.created_at,
                url=subscription.url,
                signing_secrets=signing_secrets,
            )
        )
    return result


async def deliver(
    database: Database, worker: str, delivery: Claimed, settings: DispatchSettings
) -> DeliveryOutcome:
    """Sends one claimed delivery and records what happened. A delivery claimed beyond its
    schedule's attempts is given up unsent: its earlier attempts ended with their workers (no
    outcome was recorded), and sending it again could take down the next worker too."""
    if delivery.attempts > settings.schedule.attempts:
        outcome = DeliveryOutcome(
            status_code=None,
            failure=FailureKind.abandoned,
            latency_ms=0,
            detail="no attempt was recorded: each ended with the worker sending it",
        )
    else:
        outcome = await attempt(delivery, settings)
    await record(database, worker, delivery, outcome, settings.schedule)
    return outcome


async def attempt(delivery: Claimed, settings: DispatchSettings) -> DeliveryOutcome:
    """One attempt at a claimed delivery, signed now with the subscription's secrets."""
    signature = signing.signature_headers(
        str(delivery.id), utcnow(), delivery.body, delivery.signing_secrets
    )
    return await send_event(
        delivery.url,
        delivery.body,
        signature,
        allow_private=settings.allow_private,
        timeouts=settings.timeouts,
        trust=settings.trust,
    )


def failure_reason(attempts: int, outcome: DeliveryOutcome) -> str:
    """Why a subscription was disabled, naming the last failure."""
    if outcome.status_code is not None:
        last = f"HTTP {outcome.status_code}"
    else:
        last = str(outcome.failure) + (f" ({outcome.detail})" if outcome.detail else "")
    return f"A delivery failed {attempts} attempts; the last: {last}."


def attempt_values(outcome: DeliveryOutcome, now: datetime) -> dict[str, object]:
    """A delivery's columns after an attempt (counted when it was claimed): what happened, the
    lease ended, and succeeded if the receiver accepted it."""
    values: dict[str, object] = {
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
        "last_failure": None if outcome.failure is None else str(outcome.failure),
        "last_latency_ms": outcome.latency_ms,
        "last_response": outcome.response_excerpt,
        "locked_until": None,
        "locked_by": None,
    }
    if outcome.succeeded:
        values |= {"status": DeliveryStatus.succeeded, "delivered_at": now}
    return values


async def record(
    database: Database,
    worker: str,
    delivery: Claimed,
    outcome: DeliveryOutcome,
    schedule: RetrySchedule,
) -> None:
    """Stores the attempt's outcome and ends the lease: succeeded; or pending again at the
    schedule's next time; or, the schedule exhausted, failed, with its subscription disabled.
    Nothing is stored when the lease was lost (it expired and another worker took the
    delivery): that worker's outcome counts."""
    now = utcnow()
    attempts = delivery.attempts
    values = attempt_values(outcome, now)
    disabled_reason = None
    if not outcome.succeeded:
        delay = schedule.delay_after(attempts, retry_after_seconds=outcome.retry_after_seconds)
        if delay is None:
            values["status"] = DeliveryStatus.failed
            disabled_reason = failure_reason(attempts, outcome)
        else:
            values["next_attempt_at"] = now + timedelta(seconds=delay)
    d = _deliveries.c
    async with database.sessionmaker() as session:
        connection = await begin_writing(session)
        updated = await connection.execute(
            sa.update(_deliveries)
            .where(
                d.id == delivery.id,
                d.locked_by == worker,
                d.status == DeliveryStatus.pending,
            )
            .values(**values)
        )
        if updated.rowcount == 0:
            await session.rollback()
            logger.warning("webhook delivery lease lost", extra={"delivery_id": str(delivery.id)})
            return
        if disabled_reason is not None:
            await connection.execute(
                sa.update(_subscriptions)
                .where(
                    col(WebhookSubscription.id) == delivery.subscription_id,
                    col(WebhookSubscription.status) == SubscriptionStatus.active,
                )
                .values(
                    status=SubscriptionStatus.disabled,
                    disabled_reason=disabled_reason,
                    updated_at=now,
                )
            )
        await session.commit()
    if outcome.succeeded:
        metrics.WEBHOOK_DELIVERIES.labels("succeeded").inc()
        metrics.WEBHOOK_DELIVERY_LAG.observe(max(0.0, (now - delivery.created_at).total_seconds()))
    elif disabled_reason is not None:
        metrics.WEBHOOK_DELIVERIES.labels("failed").inc()
        logger.warning(
            "webhook subscription disabled",
            extra={"subscription_id": str(delivery.subscription_id), "reason": disabled_reason},
        )
    else:
        metrics.WEBHOOK_DELIVERIES.labels("retried").inc()


async def dispatch_due(
    database: Database, worker: str, settings: DispatchSettings, *, limit: int = 100
) -> list[DeliveryOutcome]:
    """Claims what is due and sends it all at once, one task per delivery (a slow receiver
    holds up only its own subscription); returns when every one is recorded."""
    claimed = await claim(database, worker, limit, settings.lease)
    return list(
        await asyncio.gather(
            *(deliver(database, worker, delivery, settings) for delivery in claimed)
        )
    )
