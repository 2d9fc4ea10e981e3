"""One delivery attempt against real receivers on loopback: what is sent, and how each way of
failing is reported."""

import ssl
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from sofifi_api.webhooks.sender import (
    DeliveryOutcome,
    DeliveryTimeouts,
    FailureKind,
    parse_retry_after,
    send_event,
)
from tests.servers import free_port
from tests.webhooks.certificates import self_signed_certificate
from tests.webhooks.receivers import Reply, receiving

BODY = b'{"id":"evt_1","type":"program.upsert"}'
SIGNATURE = {"webhook-id": "evt_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"}
TIMEOUTS = DeliveryTimeouts(connect_seconds=2, total_seconds=5)


async def deliver(url: str, *, timeouts: DeliveryTimeouts = TIMEOUTS) -> DeliveryOutcome:
    return await send_event(url, BODY, SIGNATURE, allow_private=True, timeouts=timeouts)


async def test_a_2xx_answer_is_a_success_with_its_status_and_latency() -> None:
    with receiving(Reply(status=202, body=b"thanks")) as receiver:
        outcome = await deliver(receiver.url())

    assert outcome.succeeded
    assert (outcome.status_code, outcome.failure) == (202, None)
    assert outcome.response_excerpt == "thanks"
    assert outcome.latency_ms >= 0


async def test_the_body_is_posted_as_json_with_the_signature_headers() -> None:
    with receiving() as receiver:
        await deliver(receiver.url(path="/hooks/sofifi?tenant=7"))

    [request] = receiver.received
    assert (request.method, request.path, request.body) == ("POST", "/hooks/sofifi", BODY)
    assert request.headers["content-type"] == "application/json"
    assert {name: request.headers[name] for name in SIGNATURE} == SIGNATURE


async def test_the_host_header_names_the_urls_host_though_the_checked_address_is_dialled() -> None:
    with receiving() as receiver:
        outcome = await deliver(receiver.url(host="localhost"))

    assert outcome.succeeded
    [request] = receiver.received
    assert request.headers["host"] == f"localhost:{receiver.port}"


async def test_a_500_answer_is_a_failure_with_its_status_and_body() -> None:
    with receiving(Reply(status=500, body=b"database down")) as receiver:
        outcome = await deliver(receiver.url())

    assert not outcome.succeeded
    assert (outcome.status_code, outcome.failure) == (500, None)
    assert outcome.response_excerpt == "database down"


async def test_only_the_first_kib_of_the_answer_is_kept() -> None:
    with receiving(Reply(status=400, body=b"x" * 100_000)) as receiver:
        outcome = await deliver(receiver.url())

    assert outcome.response_excerpt == "x" * 1024


async def test_a_redirect_is_not_followed_and_counts_as_a_failure() -> None:
    with receiving() as elsewhere:
        redirect = Reply(status=307, headers={"location": elsewhere.url()})
        with receiving(redirect) as receiver:
            outcome = await deliver(receiver.url())

    assert not outcome.succeeded
    assert outcome.status_code == 307
    assert elsewhere.received == []


async def test_a_refused_connection_is_reported_as_refused() -> None:
    outcome = await deliver(f"http://127.0.0.1:{free_port()}/hooks")

    assert (outcome.status_code, outcome.failure) == (None, FailureKind.refused)


async def test_a_receiver_that_answers_after_the_timeout_is_reported_as_a_timeout() -> None:
    short = DeliveryTimeouts(connect_seconds=0.5, total_seconds=0.5)

    with receiving(Reply(delay_seconds=3)) as receiver:
        outcome = await deliver(receiver.url(), timeouts=short)

    assert (outcome.status_code, outcome.failure) == (None, FailureKind.timeout)
    assert outcome.latency_ms < 2500


async def test_429_with_retry_after_seconds_reports_the_wait() -> None:
    with receiving(Reply(status=429, headers={"retry-after": "120"})) as receiver:
        outcome = await deliver(receiver.url())

    assert (outcome.status_code, outcome.retry_after_seconds) == (429, 120)


async def test_503_with_a_retry_after_date_reports_the_wait_until_then() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)

    with receiving(Reply(status=503, headers={"retry-after": later})) as receiver:
        outcome = await deliver(receiver.url())

    assert outcome.status_code == 503
    assert outcome.retry_after_seconds is not None
    assert 590 <= outcome.retry_after_seconds <= 600


async def test_retry_after_is_ignored_on_other_failures() -> None:
    with receiving(Reply(status=500, headers={"retry-after": "120"})) as receiver:
        outcome = await deliver(receiver.url())

    assert outcome.retry_after_seconds is None


async def test_https_to_a_receiver_without_tls_is_reported_as_a_tls_failure() -> None:
    with receiving() as receiver:
        outcome = await deliver(f"https://127.0.0.1:{receiver.port}/hooks")

    assert (outcome.status_code, outcome.failure) == (None, FailureKind.tls)


async def test_an_untrusted_certificate_is_reported_as_a_tls_failure(tmp_path: Path) -> None:
    with receiving(certificate=self_signed_certificate(tmp_path, "localhost")) as receiver:
        outcome = await deliver(receiver.url(host="localhost"))

    assert (outcome.status_code, outcome.failure) == (None, FailureKind.tls)
    assert receiver.received == []


async def test_https_checks_the_certificate_for_the_urls_host_name(tmp_path: Path) -> None:
    certificate, key = self_signed_certificate(tmp_path, "localhost")
    trust = ssl.create_default_context(cafile=certificate)

    with receiving(certificate=(certificate, key)) as receiver:
        outcome = await send_event(
            receiver.url(host="localhost"),
            BODY,
            SIGNATURE,
            allow_private=True,
            timeouts=TIMEOUTS,
            trust=trust,
        )

    assert outcome.succeeded
    [request] = receiver.received
    assert request.headers["host"] == f"localhost:{receiver.port}"


async def test_a_private_destination_is_refused_at_delivery_without_the_setting() -> None:
    with receiving() as receiver:
        outcome = await send_event(
            receiver.url().replace("http:", "https:"),
            BODY,
            SIGNATURE,
            allow_private=False,
            timeouts=TIMEOUTS,
        )

    assert (outcome.status_code, outcome.failure) == (None, FailureKind.unsafe_destination)
    assert receiver.received == []


async def test_a_host_name_that_does_not_resolve_is_reported_as_dns() -> None:
    outcome = await deliver("https://no-such-host.invalid/hooks")

    assert (outcome.status_code, outcome.failure) == (None, FailureKind.dns)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("3600", 3600.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    value: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(value) == seconds
