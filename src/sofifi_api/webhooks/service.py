"""Webhook subscriptions: creating one (its URL checked, its secret generated, its cursor at the
feed's end), reading a client's own, rotating its secret with an overlap, pausing and resuming
it; and reading its delivery log. Services flush; the caller owns the transaction."""

import uuid
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.changes.models import ChangeType
from sofifi_api.changes.service import KINDS, end_position
from sofifi_api.db import utcnow
from sofifi_api.errors import Conflict, NotFound
from sofifi_api.pagination import PageRequest, cut_page, key_value, keyset
from sofifi_api.webhooks import signing
from sofifi_api.webhooks.destinations import parse_destination_url, resolve_destination
from sofifi_api.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookSubscription,
)

# Subscriptions one client may hold (deleted ones aside): each is followed on every round.
MAX_SUBSCRIPTIONS_PER_CLIENT = 25


class WebhookNotFound(NotFound):
    def __init__(self, subscription_id: uuid.UUID | str) -> None:
        super().__init__(f"No webhook subscription with id {subscription_id}.")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: uuid.UUID | str) -> None:
        super().__init__(f"No delivery with id {delivery_id} for this webhook subscription.")


class TooManyWebhooks(Conflict):
    title, slug = "Too many webhook subscriptions", "too-many-webhooks"

    def __init__(self) -> None:
        super().__init__(
            f"A client may hold {MAX_SUBSCRIPTIONS_PER_CLIENT} webhook subscriptions; delete "
            "one first, or subscribe one URL to several types."
        )


# How long the URL's host may take to resolve when a subscription is saved.
RESOLVE_TIMEOUT_SECONDS = 5.0


class UnknownEventType(ValueError):
    """A subscription names a type the change feed does not carry."""

    def __init__(self, name: str) -> None:
        # The name is not repeated: errors never echo what a client sent.
        super().__init__(
            "A type the change feed does not carry; it carries " + ", ".join(ChangeType) + "."
        )
        self.name = name


def checked_types(types: Sequence[str]) -> list[str]:
    """The change-feed type names, each once, in the order given; raises UnknownEventType."""
    names = list(dict.fromkeys(types))
    for name in names:
        if name not in ChangeType.__members__:
            raise UnknownEventType(name)
    return names


def scopes_missing(types: Collection[str], allows: Any) -> dict[str, str]:
    """For each type the client may not read (`allows(scope)` false), the scope it needs."""
    return {
        name: KINDS[ChangeType(name)].scope
        for name in types
        if name in ChangeType.__members__ and not allows(KINDS[ChangeType(name)].scope)
    }


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raises destinations.UnsafeDestination when `url` may not receive webhooks: its form, and
    the addresses its host resolves to now. A host that does not resolve now
    (UnresolvableDestination) is refused too, so that a typo is seen at once."""
    parse_destination_url(url, allow_private=allow_private)
    await resolve_destination(
        url, allow_private=allow_private, timeout_seconds=RESOLVE_TIMEOUT_SECONDS
    )


async def create_subscription(
    session: AsyncSession,
    client_id: uuid.UUID,
    url: str,
    types: Sequence[str],
    description: str | None,
    *,
    allow_private: bool,
) -> WebhookSubscription:
    """A new active subscription of the client, starting at the feed's current end: it is sent
    what changes after it was created. Its secret is in the returned row, to show once."""
    await check_url(url, allow_private=allow_private)
    held = await session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(
            col(WebhookSubscription.client_id) == client_id,
            col(WebhookSubscription.deleted_at).is_(None),
        )
    )
    if (held or 0) >= MAX_SUBSCRIPTIONS_PER_CLIENT:
        raise TooManyWebhooks
    position = await end_position(session)
    subscription = WebhookSubscription(
        client_id=client_id,
        url=url,
        types=checked_types(types),
        description=description,
        secret=signing.new_secret(),
        position_txid=position.txid,
        position_seq=position.seq,
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def rotate_secret(
    session: AsyncSession, subscription: WebhookSubscription, *, grace_seconds: float
) -> WebhookSubscription:
    """A new secret; the one it replaces still signs for `grace_seconds` (0: not at all), so a
    receiver can switch without refusing a delivery."""
    now = utcnow()
    if grace_seconds > 0:
        subscription.previous_secret = subscription.secret
        subscription.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
    else:
        subscription.previous_secret = None
        subscription.previous_secret_expires_at = None
    subscription.secret = signing.new_secret()
    subscription.updated_at = now
    session.add(subscription)
    await session.flush()
    return subscription


async def set_status(
    session: AsyncSession, subscription: WebhookSubscription, status: SubscriptionStatus
) -> WebhookSubscription:
    """Pauses (`paused`) or resumes (`active`) a subscription. Paused, its cursor waits and its
    pending deliveries are held; resumed, it gets what changed meanwhile. Resuming a disabled
    subscription clears the reason; the delivery that failed stays failed, the ones after it
    are sent."""
    if status == SubscriptionStatus.disabled:
        raise ValueError("only the service disables a subscription")
    subscription.status = status
    if status == SubscriptionStatus.active:
        subscription.disabled_reason = None
    subscription.updated_at = utcnow()
    session.add(subscription)
    await session.flush()
    return subscription


async def delete_subscription(session: AsyncSession, subscription: WebhookSubscription) -> None:
    """Marks the subscription deleted: nothing more is delivered to it."""
    now = utcnow()
    subscription.deleted_at = now
    subscription.updated_at = now
    session.add(subscription)
    await session.flush()


async def get_subscription(
    session: AsyncSession, client_id: uuid.UUID, subscription_id: uuid.UUID
) -> WebhookSubscription:
    """The client's own live subscription; another client's is not found, as a deleted one."""
    subscription = await session.get(WebhookSubscription, subscription_id)
    if (
        subscription is None
        or subscription.client_id != client_id
        or subscription.deleted_at is not None
    ):
        raise WebhookNotFound(subscription_id)
    return subscription


async def list_subscriptions_page(
    session: AsyncSession,
    client_id: uuid.UUID,
    page: PageRequest,
    *,
    status: SubscriptionStatus | None = None,
) -> tuple[list[WebhookSubscription], str | None]:
    """The client's live subscriptions in creation order."""
    statement = select(WebhookSubscription).where(
        col(WebhookSubscription.client_id) == client_id,
        col(WebhookSubscription.deleted_at).is_(None),
    )
    if status is not None:
        statement = statement.where(col(WebhookSubscription.status) == status)
    rows = (await session.exec(keyset(statement, col(WebhookSubscription.id), page))).all()
    return cut_page(rows, page, lambda subscription: subscription.id)


async def update_subscription(
    session: AsyncSession,
    subscription: WebhookSubscription,
    changes: dict[str, Any],
    *,
    allow_private: bool,
) -> WebhookSubscription:
    """Applies the fields sent: a new URL is checked as when creating; `status` pauses or
    resumes (see `set_status`). Types and URL apply to what is sent from now on."""
    if "url" in changes:
        await check_url(changes["url"], allow_private=allow_private)
    if "types" in changes:
        changes["types"] = checked_types(changes["types"])
    status = changes.pop("status", None)
    subscription.sqlmodel_update(changes)
    if status is not None:
        return await set_status(session, subscription, SubscriptionStatus(status))
    subscription.updated_at = utcnow()
    session.add(subscription)
    await session.flush()
    return subscription


async def list_deliveries_page(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    page: PageRequest,
    *,
    status: DeliveryStatus | None = None,
    event_type: str | None = None,
) -> tuple[list[WebhookDelivery], str | None]:
    """The subscription's deliveries, newest first."""
    key = col(WebhookDelivery.id)
    statement = select(WebhookDelivery).where(
        col(WebhookDelivery.subscription_id) == subscription_id
    )
    if status is not None:
        statement = statement.where(col(WebhookDelivery.status) == status)
    if event_type is not None:
        statement = statement.where(col(WebhookDelivery.event_type) == event_type)
    if page.after is not None:
        statement = statement.where(key < key_value(key, page.after))
    statement = statement.order_by(key.desc()).limit(page.limit + 1)
    rows = (await session.exec(statement)).all()
    return cut_page(rows, page, lambda delivery: delivery.id)


async def get_delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    statement = select(WebhookDelivery).where(
        col(WebhookDelivery.id) == delivery_id,
        col(WebhookDelivery.subscription_id) == subscription_id,
    )
    delivery = (await session.exec(statement)).first()
    if delivery is None:
        raise DeliveryNotFound(delivery_id)
    return delivery
