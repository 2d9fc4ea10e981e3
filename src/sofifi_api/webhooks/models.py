"""Webhook storage: subscriptions (where a client's events go, and where it stands in the
change feed) and deliveries (one event for one subscription, with its attempts so far)."""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from sofifi_api.db import UTCDateTime, new_id, utcnow

URL_MAX_LENGTH = 2048


class SubscriptionStatus(StrEnum):
    """`active` receives events; `paused` holds them back (its cursor waits, nothing is lost);
    `disabled` was stopped by the service after a delivery failed its whole retry schedule."""

    active = "active"
    paused = "paused"
    disabled = "disabled"


class DeliveryStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class WebhookSubscription(SQLModel, table=True):
    """A client's endpoint and the change-feed types it is sent. Not itself in the feed."""

    __tablename__ = "webhook_subscriptions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="api_clients.id", index=True)
    url: str = Field(max_length=URL_MAX_LENGTH)
    # Change-feed type names; empty: every type the client may read when an event is made.
    types: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    description: str | None = Field(default=None, max_length=2000)
    status: str = Field(default=SubscriptionStatus.active, max_length=16)
    disabled_reason: str | None = Field(default=None, sa_type=sa.Text)
    secret: str = Field(sa_type=sa.Text)
    # The secret a rotation replaced, which still signs until it expires.
    previous_secret: str | None = Field(default=None, sa_type=sa.Text)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where the subscription stands in the change feed (`changes.service.Position`).
    position_txid: int = Field(default=0, sa_type=sa.BigInteger)
    position_seq: int = Field(default=0, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one while
        its overlap lasts."""
        if (
            self.previous_secret is not None
            and self.previous_secret_expires_at is not None
            and self.previous_secret_expires_at > now
        ):
            return [self.secret, self.previous_secret]
        return [self.secret]


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription; its id is the event's `webhook-id`, the same on every
    attempt. The body is kept exactly as signed and sent."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    subscription_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    event_type: str = Field(max_length=64)
    body: str = Field(sa_type=sa.Text)
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # A worker's lease: no other worker sends the delivery before it ends.
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_by: str | None = Field(default=None, max_length=64)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_failure: str | None = Field(default=None, max_length=32)
    last_latency_ms: int | None = None
    last_response: str | None = Field(default=None, sa_type=sa.Text)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
