"""On the wire, against a real server process: a 500 leaves the connection usable, and clients
that stall while sending headers or a body are cut off (timeouts set to 1 s here)."""

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from tests.databases import issue_client
from tests.servers import (
    FAILURE_PATH,
    Server,
    read_response,
    running_server,
    serve_with_failing_route,
)

TIMEOUTS = {
    "SOFIFI_REQUEST_HEADER_TIMEOUT_SECONDS": "1",
    "SOFIFI_REQUEST_BODY_TIMEOUT_SECONDS": "1",
}


def _environment(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "SOFIFI_LOG_LEVEL": "WARNING"} | TIMEOUTS


@pytest.fixture(scope="module")
def server(migrated_url: str) -> Iterator[Server]:
    """`sofifi-api serve` on the suite's database, with a route that raises."""
    with running_server(serve_with_failing_route(), _environment(migrated_url)) as running:
        yield running


@pytest.fixture(scope="module")
def api_key(migrated_url: str) -> str:
    issued = asyncio.run(issue_client(migrated_url, "feedback:write", name="Aplikasi lapangan Oba"))
    return issued.key


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: sofifi\r\n\r\n".encode()


def _status(head: bytes) -> int:
    return int(head.split(b" ", 2)[1]) if head else 0


def _trickle(connection: socket.socket, data: bytes, every: float, longest: float) -> bytes:
    """Sends `data` a byte at a time until the server answers or closes; what it answered."""
    connection.settimeout(every)
    deadline = time.monotonic() + longest
    for byte in data:
        try:
            connection.sendall(bytes([byte]))
            return connection.recv(65536) or b"closed"
        except TimeoutError:
            pass
        except OSError:
            return b"closed"
        if time.monotonic() > deadline:
            break
    return b""


def test_connection_is_kept_usable_after_a_500(server: Server) -> None:
    with server.connect() as connection:
        connection.sendall(_get(FAILURE_PATH))
        failed, body = read_response(connection)
        connection.sendall(_get("/health"))
        after, _ = read_response(connection)

    assert _status(failed) == 500
    assert b"/problems/internal-error" in body
    assert _status(after) == 200


def test_headers_sent_slowly_are_cut_with_408(server: Server) -> None:
    started = time.monotonic()
    with server.connect() as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: sofifi\r\n")
        answer = _trickle(connection, b"X-Slow: " + b"a" * 100, every=0.2, longest=10)

    assert _status(answer) == 408
    assert b"connection: close" in answer.lower()
    assert time.monotonic() - started < 5


def test_connection_that_sends_nothing_is_closed(server: Server) -> None:
    started = time.monotonic()
    with server.connect() as connection:
        connection.settimeout(10)
        received = connection.recv(65536)

    assert received == b""
    assert time.monotonic() - started < 5


def test_body_that_stops_midway_is_answered_408_and_closed(server: Server, api_key: str) -> None:
    head = (
        "POST /v1/feedback HTTP/1.1\r\nHost: sofifi\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {api_key}\r\nContent-Length: 200\r\n\r\n"
    )
    started = time.monotonic()
    with server.connect() as connection:
        connection.sendall(head.encode() + b'{"rating": 4, ')
        answer, body = read_response(connection)
        closed = connection.recv(65536) == b""

    assert _status(answer) == 408
    assert b"/problems/request-timeout" in body
    assert b"connection: close" in answer.lower()
    assert closed
    assert time.monotonic() - started < 5
