"""Secrets and signature headers in the Standard Webhooks form, so partners verify deliveries
with the published `standardwebhooks` libraries."""

import base64
import math
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the form's marker, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh subscription secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature_headers(
    event_id: str, timestamp: datetime, body: bytes, signing_secrets: Sequence[str]
) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` for `body` exactly as sent.

    Every secret signs: while a rotation's overlap lasts, the old and the new secret each add a
    `v1,…` value, so a receiver that knows either one verifies the delivery.
    """
    if not signing_secrets:
        raise ValueError("a delivery needs at least one signing secret")
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    signatures = [
        Webhook(secret).sign(msg_id=event_id, timestamp=timestamp, data=body)
        for secret in signing_secrets
    ]
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(math.floor(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
