"""Webhook subscriptions: creating one (its URL checked, its secret generated, its cursor at the
feed's end), rotating its secret with an overlap, pausing and resuming it. Services flush; the
caller owns the transaction."""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.changes.models import ChangeType
from sofifi_api.changes.service import end_position
from sofifi_api.db import utcnow
from sofifi_api.webhooks import signing
from sofifi_api.webhooks.destinations import parse_destination_url, resolve_destination
from sofifi_api.webhooks.models import SubscriptionStatus, WebhookSubscription

# How long the URL's host may take to resolve when a subscription is saved.
RESOLVE_TIMEOUT_SECONDS = 5.0


class UnknownEventType(ValueError):
    """A subscription names a type the change feed does not carry."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown event type: {name}")
        self.name = name


def checked_types(types: Sequence[str]) -> list[str]:
    """The change-feed type names, each once, in the order given; raises UnknownEventType."""
    names = list(dict.fromkeys(types))
    for name in names:
        if name not in ChangeType.__members__:
            raise UnknownEventType(name)
    return names


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
