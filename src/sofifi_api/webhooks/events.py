"""The events the service sends, described in the OpenAPI document's `webhooks` (OpenAPI 3.1):
the request a subscription's endpoint receives, its signature headers and the answers it may
give. Documentation only: the service calls no route here."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import FastAPI, Header, status
from pydantic import BaseModel, Field

from sofifi_api.changes.models import ChangeEntry

_EVENT_ID = "0195f3d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f"


class PingData(BaseModel):
    """A test event's data: which subscription was pinged."""

    webhook_id: uuid.UUID = Field(
        description="The subscription pinged.", examples=["0195f3c2-4b1d-7a8e-9c3f-2d4e6f8a0b1c"]
    )


class WebhookEvent(BaseModel):
    """One event, POSTed as JSON to a subscription's URL."""

    id: uuid.UUID = Field(
        description="The event's id, also its `webhook-id` header: the same on every attempt, so "
        "a receiver can skip an event it has processed.",
        examples=[_EVENT_ID],
    )
    type: str = Field(
        description="`<feed type>.<op>`, e.g. `program.upsert` or `feedback.delete`; "
        "`webhook.ping` for a test event.",
        examples=["program.upsert"],
    )
    created_at: datetime = Field(
        description="When the event was made from the change feed.",
        examples=["2026-11-02T03:04:05.678901Z"],
    )
    data: ChangeEntry | PingData = Field(
        description="The change-feed entry, exactly as `GET /v1/changes` shows it to the "
        'subscription\'s client when the event is made; for `webhook.ping`, `{"webhook_id"}`.',
        examples=[
            {
                "type": "program",
                "id": "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a",
                "op": "delete",
                "resource": None,
            }
        ],
    )


def document_events(app: FastAPI) -> None:
    """Adds the event a subscription's endpoint receives to the OpenAPI document."""

    @app.webhooks.post(
        "event",
        operation_id="receive_event",
        tags=["webhooks"],
        summary="An event sent to a subscription's endpoint",
        status_code=status.HTTP_204_NO_CONTENT,
        response_description="Accepted: any 2xx answer within the delivery timeout (15 s by "
        "default). A redirect, or no answer in time, is retried as a refusal is.",
        responses={
            "4XX": {
                "description": "Refused: retried on the schedule (about three days); a 429's "
                "`Retry-After` is honoured within it. A failure for the whole schedule disables "
                "the subscription."
            },
            "5XX": {
                "description": "Failed: retried as a refusal is; a 503's `Retry-After` is "
                "honoured within the schedule."
            },
        },
    )
    async def receive_event(
        event: WebhookEvent,
        webhook_id: Annotated[
            str,
            Header(
                alias="webhook-id",
                description="The event's `id`: the same on every attempt.",
                examples=[_EVENT_ID],
            ),
        ],
        webhook_timestamp: Annotated[
            str,
            Header(
                alias="webhook-timestamp",
                description="When this attempt was signed, in Unix seconds; refuse one more "
                "than five minutes away from your clock.",
                examples=["1793588645"],
            ),
        ],
        webhook_signature: Annotated[
            str,
            Header(
                alias="webhook-signature",
                description="Standard Webhooks signatures, space-separated: "
                '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">`, '
                "keyed with the base64-decoded secret after `whsec_`. Two values while a "
                "rotated secret's overlap lasts; accept the request if one matches.",
                examples=["v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="],
            ),
        ],
    ) -> None:
        """Every change a subscription's client may read is POSTed to the subscription's URL
        as one signed event, one at a time and in the change feed's order, at least once.
        Verify the signature over the raw body before parsing it (the `standardwebhooks`
        libraries do), skip an `id` already processed, and answer 2xx at once. See
        `POST /v1/webhooks`."""
