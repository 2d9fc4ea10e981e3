"""The HTTP protocol `sofifi-api serve` runs: uvicorn's (httptools) with a deadline for request
headers, which uvicorn lacks: its keep-alive timer restarts on every byte received, so a client
sending headers a byte at a time would hold its connection for ever.

A body is timed by `InputLimitsMiddleware` (it arrives after the application has the request).
"""

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sofifi_api.config import get_settings

PROTOCOL = "sofifi_api.http_protocol:HeaderDeadlineProtocol"


def _request_timeout(seconds: float) -> bytes:
    body = json.dumps(
        {
            "type": "/problems/request-timeout",
            "title": "Request timeout",
            "status": 408,
            "detail": f"The request headers did not arrive within {seconds:g} s.",
        }
    ).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """Closes a connection whose request headers are not complete within
    `SOFIFI_REQUEST_HEADER_TIMEOUT_SECONDS` of its opening or of the request's first byte:
    with a 408 problem when a request had begun, silently when nothing was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().request_header_timeout_seconds
        self._header_deadline: asyncio.TimerHandle | None = None
        self._reading_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_headers = True
        self._start_header_deadline()

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._cancel_header_deadline()
        super().on_headers_complete()

    def _start_header_deadline(self) -> None:
        self._cancel_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_overdue)

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_overdue(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        if self._reading_headers:
            self.transport.write(_request_timeout(self.header_timeout))
        self.transport.close()
