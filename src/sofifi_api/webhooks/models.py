"""Webhook storage: subscriptions (where a client's events go, and where it stands in the
change feed) and deliveries (one event for one subscription, with its attempts so far)."""

import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import pydantic
import sqlalchemy as sa
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from sofifi_api.changes.models import ChangeType
from sofifi_api.db import UTCDateTime, new_id, utcnow
from sofifi_api.schemas import InputModel, Integer, NotNull

URL_MAX_LENGTH = 2048


class SubscriptionStatus(StrEnum):
    """`active` receives events; `paused` holds them back (its cursor waits, nothing is lost);
    `disabled` was stopped by the service after a delivery failed its whole retry schedule."""

    active = "active"
    paused = "paused"
    disabled = "disabled"


class DeliveryStatus(StrEnum):
    """`pending`: not yet accepted by the receiver, another attempt is due; `succeeded`: the
    receiver answered 2xx; `failed`: given up."""

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


# The body a client sends and reads.

_TYPES_DESCRIPTION = (
    "The change-feed types whose changes are sent, e.g. `program`, `feedback`; each type needs "
    "the scope that reads it (`programs:read`, …). Empty: every type the client may read when "
    "the change is made, including types it is granted later."
)
_URL_DESCRIPTION = (
    "Where events are POSTed: an https URL whose host resolves to public addresses only (checked "
    "when saved and again before every delivery). Redirects are not followed."
)
_EXAMPLE_URL = "https://sid.desa-guraping.id/sofifi/webhooks"
_EXAMPLE_ID = "0195f3c2-4b1d-7a8e-9c3f-2d4e6f8a0b1c"

EventTypeName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40),
    pydantic.Field(json_schema_extra={"enum": [*ChangeType]}),
]


class WebhookCreate(InputModel):
    """A new subscription of the calling client."""

    url: str = Field(
        min_length=1,
        max_length=URL_MAX_LENGTH,
        description=_URL_DESCRIPTION,
        schema_extra={"examples": [_EXAMPLE_URL]},
    )
    types: list[EventTypeName] = Field(
        default_factory=list,
        max_length=len(ChangeType),
        description=_TYPES_DESCRIPTION,
        schema_extra={"examples": [["program", "feedback"]]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What the endpoint does with the events, and who to call about it.",
        schema_extra={"examples": ["OpenSID Desa Guraping: new programs and feedback status."]},
    )


class WebhookUpdate(InputModel):
    """Changes to a subscription: only the fields sent are changed."""

    url: NotNull[str] = Field(
        default=None,
        min_length=1,
        max_length=URL_MAX_LENGTH,
        description=f"{_URL_DESCRIPTION} Deliveries not yet sent go to the new URL.",
        schema_extra={"examples": [_EXAMPLE_URL]},
    )
    types: NotNull[list[EventTypeName]] = Field(
        default=None,
        max_length=len(ChangeType),
        description=f"{_TYPES_DESCRIPTION} Replaces the list, for changes made from now on.",
        schema_extra={"examples": [["program"]]},
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What the endpoint does with the events.",
        schema_extra={"examples": ["OpenSID Desa Guraping: programs only."]},
    )
    status: NotNull[Literal["active", "paused"]] = Field(
        default=None,
        description="`paused` holds events back: nothing is sent and nothing is lost. `active` "
        "resumes a paused or disabled subscription; what changed meanwhile is sent, in order.",
        schema_extra={"examples": ["paused"]},
    )


class SecretRotation(InputModel):
    """How a new signing secret replaces the current one."""

    grace_seconds: Integer = Field(
        default=0,
        ge=0,
        le=7 * 24 * 3600,
        description="Seconds, at most 7 days, during which deliveries are signed with both the "
        "current and the new secret (two `v1,…` values in `webhook-signature`), so the receiver "
        "can switch without refusing one; 0: the current secret stops signing now.",
        schema_extra={"examples": [86400]},
    )


class WebhookPublic(SQLModel):
    """A subscription as the service returns it: never its secret."""

    id: uuid.UUID = Field(
        description="The subscription's id.", schema_extra={"examples": [_EXAMPLE_ID]}
    )
    url: str = Field(description=_URL_DESCRIPTION, schema_extra={"examples": [_EXAMPLE_URL]})
    types: list[str] = Field(
        description=_TYPES_DESCRIPTION, schema_extra={"examples": [["program", "feedback"]]}
    )
    description: str | None = Field(
        description="What the endpoint does with the events.",
        schema_extra={"examples": ["OpenSID Desa Guraping: new programs and feedback status."]},
    )
    status: SubscriptionStatus = Field(
        description="`active`: events are sent. `paused`: held back by the client. `disabled`: "
        "stopped by the service after a delivery failed for its whole retry schedule (about "
        "three days); `disabled_reason` says why. PATCH `status` `active` resumes it.",
        schema_extra={"examples": ["active"]},
    )
    disabled_reason: str | None = Field(
        description="Why the service disabled the subscription; null unless `disabled`.",
        schema_extra={"examples": [None]},
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until when the secret a rotation replaced still signs deliveries; null when "
        "only the current secret signs.",
        schema_extra={"examples": [None]},
    )
    created_at: datetime = Field(
        description="When the subscription was created; it is sent what changes after this.",
        schema_extra={"examples": ["2026-11-02T03:00:00Z"]},
    )
    updated_at: datetime = Field(
        description="When the subscription was last changed.",
        schema_extra={"examples": ["2026-11-02T03:00:00Z"]},
    )

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> "WebhookPublic":
        expires = subscription.previous_secret_expires_at
        return cls(
            id=subscription.id,
            url=subscription.url,
            types=subscription.types,
            description=subscription.description,
            status=SubscriptionStatus(subscription.status),
            disabled_reason=subscription.disabled_reason,
            previous_secret_expires_at=expires
            if expires is not None and expires > utcnow()
            else None,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class WebhookWithSecret(WebhookPublic):
    """A subscription with its signing secret, shown only in the answer that made it."""

    secret: str = Field(
        description="The signing secret in the Standard Webhooks form (`whsec_` and base64): "
        "shown only in this answer. Verify every delivery with it (see the README's "
        '"Webhooks" section for Python and PHP).',
        schema_extra={"examples": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]},
    )

    @classmethod
    def issued(cls, subscription: WebhookSubscription) -> "WebhookWithSecret":
        return cls(**WebhookPublic.of(subscription).model_dump(), secret=subscription.secret)


_EXAMPLE_EVENT = {
    "id": "0195f3d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "type": "program.upsert",
    "created_at": "2026-11-02T03:04:05.678901Z",
    "data": {
        "type": "program",
        "id": "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a",
        "op": "upsert",
        "resource": {
            "id": "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a",
            "name": "Pelatihan anyaman bambu",
        },
    },
}


class DeliveryPublic(SQLModel):
    """One event sent, or to be sent, to a subscription, with its last attempt."""

    id: uuid.UUID = Field(
        description="The delivery's id: the event's `id` and its `webhook-id` header, the same on "
        "every attempt, so a receiver can tell a repeat from a new event.",
        schema_extra={"examples": ["0195f3d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f"]},
    )
    event_type: str = Field(
        description="`<feed type>.<op>` (e.g. `program.upsert`, `feedback.delete`), or "
        "`webhook.ping` for a test event.",
        schema_extra={"examples": ["program.upsert"]},
    )
    status: DeliveryStatus = Field(
        description="`pending`: not yet accepted, another attempt is due at `next_attempt_at`; "
        "`succeeded`: the receiver answered 2xx; `failed`: given up after the whole retry "
        "schedule (or a test event that was not accepted).",
        schema_extra={"examples": ["succeeded"]},
    )
    attempts: int = Field(description="Attempts made so far.", schema_extra={"examples": [1]})
    created_at: datetime = Field(
        description="When the event was made.", schema_extra={"examples": ["2026-11-02T03:04:05Z"]}
    )
    next_attempt_at: datetime | None = Field(
        description="When the next attempt is due; null unless `pending`.",
        schema_extra={"examples": [None]},
    )
    last_attempt_at: datetime | None = Field(
        description="When the last attempt was made; null before the first.",
        schema_extra={"examples": ["2026-11-02T03:04:06Z"]},
    )
    last_status_code: int | None = Field(
        description="The HTTP status the receiver answered the last attempt with; null if it did "
        "not answer (see `last_failure`).",
        schema_extra={"examples": [204]},
    )
    last_failure: str | None = Field(
        description="Why the last attempt got no HTTP answer: `refused`, `timeout`, `tls`, `dns`, "
        "`unsafe_destination` (the host now resolves to a private address), `connection`, or "
        "`abandoned` (not sent: every scheduled attempt was made, the last ones ending with the "
        "worker sending it).",
        schema_extra={"examples": [None]},
    )
    last_latency_ms: int | None = Field(
        description="How long the last attempt took, in milliseconds.",
        schema_extra={"examples": [87]},
    )
    last_response: str | None = Field(
        description="The first KiB of the receiver's last answer body.",
        schema_extra={"examples": [""]},
    )
    delivered_at: datetime | None = Field(
        description="When the receiver accepted the event; null until it has.",
        schema_extra={"examples": ["2026-11-02T03:04:06Z"]},
    )
    event: dict[str, Any] = Field(
        description="The event exactly as sent: `id`, `type`, `created_at` and `data`, the "
        "change-feed entry.",
        schema_extra={"examples": [_EXAMPLE_EVENT]},
    )

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> "DeliveryPublic":
        pending = delivery.status == DeliveryStatus.pending
        return cls(
            id=delivery.id,
            event_type=delivery.event_type,
            status=DeliveryStatus(delivery.status),
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at if pending else None,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_failure=delivery.last_failure,
            last_latency_ms=delivery.last_latency_ms,
            last_response=delivery.last_response,
            delivered_at=delivery.delivered_at,
            event=json.loads(delivery.body),
        )
