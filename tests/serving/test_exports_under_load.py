"""Exports cannot starve the API: a few streams per client and in all, connections of their
own, and a send timeout that ends a client that stopped reading. Against a real server, with
clients that ask for an export and never read it."""

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.serving.conftest import (
    EXPORT,
    FEEDBACK_ITEMS,
    Seeded,
    Server,
    read_all,
    serve,
    start_export,
    status_of,
)

# One test process seeds the package's export data, once.
pytestmark = pytest.mark.xdist_group("serving")

SEND_TIMEOUT = 2.0
# A request that finds no free connection in the requests' pool is 503 after this long: a 200
# proves that a connection was free, however slow the machine.
POOL_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(
        seeded.url,
        tmp_path_factory.mktemp("exports-under-load"),
        SOFIFI_EXPORT_STREAMS_PER_CLIENT="2",
        SOFIFI_EXPORT_STREAMS_TOTAL="3",
        SOFIFI_EXPORT_SEND_TIMEOUT_SECONDS=str(SEND_TIMEOUT),
        SOFIFI_DB_POOL_TIMEOUT_SECONDS=str(POOL_TIMEOUT),
    ) as running:
        yield running


class Readers:
    """The test's clients that stopped reading."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []

    def start(self, server: Server, key: str, receive_buffer: int = 4096) -> socket.socket:
        reader = start_export(server, key, receive_buffer)
        self.sockets.append(reader)
        return reader

    def finish(self) -> None:
        """Reads each accepted export to its end (or to where the server cut it), so that
        the server has let every stream go when the next test starts."""
        for reader in self.sockets:
            with reader:
                reader.settimeout(0.5)
                try:
                    unread = reader.recv(64, socket.MSG_PEEK)
                except TimeoutError:
                    continue  # read already
                if unread.startswith(b"HTTP/1.1 200"):
                    reader.settimeout(10)
                    read_all(reader)
        time.sleep(0.2)


@pytest.fixture
def stalled(server: Server) -> Iterator[Readers]:
    readers = Readers()
    yield readers
    readers.finish()


def stall(server: Server, key: str, readers: Readers) -> socket.socket:
    return readers.start(server, key)


def get(server: Server, path: str, key: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", headers={"Authorization": key}, timeout=10)


def test_sixteen_stalled_export_readers_leave_the_api_answering(
    server: Server, seeded: Seeded, stalled: Readers
) -> None:
    readers = [stall(server, seeded.keys[i % 2], stalled) for i in range(16)]
    for reader in readers:
        status_of(reader)

    response = get(server, "/v1/feedback?limit=1", seeded.keys[2])

    assert response.status_code == 200, response.text


def test_exports_read_through_connections_apart_from_the_requests(
    seeded: Seeded, tmp_path: Path
) -> None:
    # As many exports allowed as the requests' pool has connections (5 + 10 overflow), and more.
    with (
        serve(
            seeded.url,
            tmp_path,
            SOFIFI_EXPORT_STREAMS_PER_CLIENT="16",
            SOFIFI_EXPORT_STREAMS_TOTAL="16",
            SOFIFI_SHUTDOWN_GRACE_SECONDS="1",
            SOFIFI_DB_POOL_TIMEOUT_SECONDS=str(POOL_TIMEOUT),
        ) as roomy,
        ExitStack() as sockets,
    ):
        readers = [sockets.enter_context(start_export(roomy, seeded.keys[0])) for _ in range(16)]
        assert [status_of(reader) for reader in readers] == [200] * 16

        response = get(roomy, "/v1/feedback?limit=1", seeded.keys[1])

        assert response.status_code == 200, response.text


def test_an_export_past_the_clients_share_is_429_with_retry_after(
    server: Server, seeded: Seeded, stalled: Readers
) -> None:
    first, second = (stall(server, seeded.keys[0], stalled) for _ in range(2))
    assert (status_of(first), status_of(second)) == (200, 200)

    refused = get(server, EXPORT, seeded.keys[0])

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/too-many-exports"
    assert int(refused.headers["retry-after"]) > 0


def test_an_export_past_the_services_total_is_503_with_retry_after(
    server: Server, seeded: Seeded, stalled: Readers
) -> None:
    readers = [stall(server, key, stalled) for key in (*seeded.keys[:2], seeded.keys[0])]
    assert [status_of(reader) for reader in readers] == [200, 200, 200]

    refused = get(server, EXPORT, seeded.keys[1])

    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/exports-busy"
    assert int(refused.headers["retry-after"]) > 0


def test_a_stalled_export_is_ended_after_the_send_timeout_and_its_stream_freed(
    server: Server, seeded: Seeded, stalled: Readers
) -> None:
    first, second = (stall(server, seeded.keys[0], stalled) for _ in range(2))
    assert (status_of(first), status_of(second)) == (200, 200)

    time.sleep(SEND_TIMEOUT + 1)
    accepted = get(server, EXPORT, seeded.keys[0])

    assert accepted.status_code == 200
    # What the server had buffered, then the end of the connection without the last chunk.
    assert not read_all(first).endswith(b"\r\n0\r\n\r\n")


def test_an_export_read_to_the_end_frees_its_stream(
    server: Server, seeded: Seeded, tmp_path: Path
) -> None:
    for _ in range(3):
        response = get(server, EXPORT, seeded.keys[2])
        assert response.status_code == 200
        assert response.text.count("\r\n") == FEEDBACK_ITEMS + 1


def test_a_slow_but_steady_reader_is_not_cut_by_the_send_timeout(
    server: Server, seeded: Seeded, stalled: Readers
) -> None:
    reader = stalled.start(server, seeded.keys[2], 256 * 1024)
    received = bytearray()

    # About 1.6 MB/s: a chunk of 2,000 rows (7.5 MB here) takes longer than the send timeout.
    while piece := reader.recv(160 * 1024):
        received += piece
        if received.endswith(b"\r\n0\r\n\r\n"):
            break
        time.sleep(0.1)

    assert received.endswith(b"\r\n0\r\n\r\n")
