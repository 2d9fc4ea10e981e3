"""One delivery attempt: POST a signed event to a subscription's URL and describe what happened."""

import asyncio
import functools
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

import httpx

from sofifi_api.webhooks.destinations import (
    Destination,
    UnresolvableDestination,
    UnsafeDestination,
    resolve_destination,
)

RESPONSE_EXCERPT_BYTES = 1024
_RETRY_AFTER_STATUSES = frozenset({429, 503})


class FailureKind(StrEnum):
    """Why an attempt got no HTTP answer."""

    refused = "refused"  # no connection could be opened
    timeout = "timeout"
    tls = "tls"
    dns = "dns"
    unsafe_destination = "unsafe_destination"
    connection = "connection"  # the connection broke, or the answer was not HTTP
    # Not sent: claimed again after its last scheduled attempt ended with its worker.
    abandoned = "abandoned"


@dataclass(frozen=True)
class DeliveryTimeouts:
    connect_seconds: float
    total_seconds: float


@dataclass(frozen=True)
class DeliveryOutcome:
    """The result of one attempt: an HTTP status, or the kind of failure that prevented one."""

    status_code: int | None
    failure: FailureKind | None
    latency_ms: int
    response_excerpt: str = ""
    retry_after_seconds: float | None = None
    detail: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def send_event(
    url: str,
    body: bytes,
    signature: Mapping[str, str],
    *,
    allow_private: bool,
    timeouts: DeliveryTimeouts,
    trust: ssl.SSLContext | None = None,
) -> DeliveryOutcome:
    """POSTs `body` with its signature headers to `url`, following no redirect. Certificates
    are checked against `trust` (None: the system's certificate authorities).

    The destination is checked again here and the connection goes to the address checked,
    with the URL's host name in the Host header and, for https, in SNI and certificate checks.
    """
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeouts.total_seconds):
            destination = await resolve_destination(
                url, allow_private=allow_private, timeout_seconds=timeouts.connect_seconds
            )
            status, headers, excerpt = await _post(destination, body, signature, timeouts, trust)
    except (
        UnsafeDestination,
        UnresolvableDestination,
        TimeoutError,
        httpx.TransportError,
    ) as error:
        return DeliveryOutcome(
            None, _failure_kind(error), _elapsed_ms(started), detail=_detail(error, timeouts)
        )
    return DeliveryOutcome(
        status_code=status,
        failure=None,
        latency_ms=_elapsed_ms(started),
        response_excerpt=excerpt,
        retry_after_seconds=(
            parse_retry_after(headers.get("retry-after"))
            if status in _RETRY_AFTER_STATUSES
            else None
        ),
    )


async def _post(
    destination: Destination,
    body: bytes,
    signature: Mapping[str, str],
    timeouts: DeliveryTimeouts,
    trust: ssl.SSLContext | None,
) -> tuple[int, httpx.Headers, str]:
    """The answer's status, headers and first KiB, from the first address checked."""
    headers = {
        **signature,
        "content-type": "application/json",
        "host": destination.host_header,
        # Only the first KiB of the answer is kept; a compressed one could expand without bound
        # before that KiB is known.
        "accept-encoding": "identity",
    }
    extensions = {"sni_hostname": destination.host} if destination.scheme == "https" else {}
    # A client per attempt: a pooled connection to the same address under another host name must
    # never carry this delivery. No proxy from the environment: it would connect where the check
    # did not look.
    async with (
        httpx.AsyncClient(
            timeout=httpx.Timeout(timeouts.total_seconds, connect=timeouts.connect_seconds),
            follow_redirects=False,
            trust_env=False,
            verify=trust if trust is not None else _default_trust(),
        ) as client,
        client.stream(
            "POST",
            destination.url_for(destination.addresses[0]),
            content=body,
            headers=headers,
            extensions=extensions,
        ) as response,
    ):
        return response.status_code, response.headers, await _read_excerpt(response)


@functools.cache
def _default_trust() -> ssl.SSLContext:
    """httpx's own default (certifi's certificate authorities), built once: building it reads
    and parses the whole bundle, which takes longer than a delivery to a nearby receiver.
    Connections share the context, never a connection."""
    return httpx.create_ssl_context(trust_env=False)


def _failure_kind(error: Exception) -> FailureKind:
    if isinstance(error, UnsafeDestination):
        return FailureKind.unsafe_destination
    if isinstance(error, UnresolvableDestination):
        return FailureKind.dns
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return FailureKind.timeout
    if _caused_by_tls(error):
        return FailureKind.tls
    if isinstance(error, httpx.ConnectError):
        return FailureKind.refused
    return FailureKind.connection


def _detail(error: Exception, timeouts: DeliveryTimeouts) -> str:
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return f"no answer within {timeouts.total_seconds:g} s"
    return str(error) or type(error).__name__


async def _read_excerpt(response: httpx.Response) -> str:
    """The first KiB of the answer's body, as text; the rest is never downloaded."""
    received = bytearray()
    async for chunk in response.aiter_raw():
        received += chunk
        if len(received) >= RESPONSE_EXCERPT_BYTES:
            break
    return bytes(received[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", errors="replace")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value (delay-seconds or an HTTP date); None when
    absent or unreadable. A date in the past means no wait."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _caused_by_tls(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
