"""Signatures in the Standard Webhooks form, checked with the published `standardwebhooks`
library as a partner would check them."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from sofifi_api.webhooks.sender import DeliveryTimeouts, send_event
from sofifi_api.webhooks.signing import new_secret, signature_headers
from tests.webhooks.receivers import receiving

BODY = b'{"id":"evt_1","type":"program.upsert","data":{"id":"p1"}}'
TIMEOUTS = DeliveryTimeouts(connect_seconds=5, total_seconds=10)


def test_a_new_secret_is_whsec_and_base64_of_24_to_32_random_bytes() -> None:
    secret = new_secret()

    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) <= 32


def test_every_new_secret_is_different() -> None:
    assert len({new_secret() for _ in range(100)}) == 100


def test_the_headers_name_the_event_and_its_time() -> None:
    moment = datetime(2026, 12, 5, 17, 0, 0, tzinfo=UTC)

    headers = signature_headers("evt_1", moment, BODY, [new_secret()])

    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    assert headers["webhook-signature"].startswith("v1,")


async def test_a_delivered_signature_verifies_with_the_standardwebhooks_library() -> None:
    secret = new_secret()
    headers = signature_headers("evt_1", datetime.now(UTC), BODY, [secret])

    with receiving() as receiver:
        await send_event(receiver.url(), BODY, headers, allow_private=True, timeouts=TIMEOUTS)

    [delivered] = receiver.received
    assert Webhook(secret).verify(delivered.body, delivered.headers) == {
        "id": "evt_1",
        "type": "program.upsert",
        "data": {"id": "p1"},
    }


@pytest.mark.parametrize("which", ["old", "new"])
async def test_during_a_rotation_either_secret_verifies_the_delivery(which: str) -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers("evt_1", datetime.now(UTC), BODY, [old, new])

    with receiving() as receiver:
        await send_event(receiver.url(), BODY, headers, allow_private=True, timeouts=TIMEOUTS)

    [delivered] = receiver.received
    assert len(delivered.headers["webhook-signature"].split(" ")) == 2
    Webhook(old if which == "old" else new).verify(delivered.body, delivered.headers)


def test_a_secret_that_did_not_sign_does_not_verify() -> None:
    headers = signature_headers("evt_1", datetime.now(UTC), BODY, [new_secret()])

    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_a_body_changed_after_signing_does_not_verify() -> None:
    secret = new_secret()
    headers = signature_headers("evt_1", datetime.now(UTC), BODY, [secret])

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"p1", b"p2"), headers)


def test_a_naive_timestamp_is_taken_as_utc() -> None:
    secret = new_secret()
    moment = datetime.now(UTC) - timedelta(seconds=30)

    headers = signature_headers("evt_1", moment.replace(tzinfo=None), BODY, [secret])

    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    Webhook(secret).verify(BODY, headers)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="at least one"):
        signature_headers("evt_1", datetime.now(UTC), BODY, [])
