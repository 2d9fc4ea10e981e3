"""Real server processes (`sofifi-api serve`) on a migrated database holding a large feedback
export, and raw sockets that ask for exports and then stop reading, as a stalled client does."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from sofifi_api.db import Database
from tests.databases import committed_client, migrated_database
from tests.factories import create_program
from tests.servers import wait_until_answering

EXPORT = "/v1/exports/feedback?format=csv"
# Large enough that the loopback socket buffers (a few MB) cannot hold it: a client that does
# not read makes the server's sends block.
FEEDBACK_ITEMS = 3000
COMMENT = "Jalan desa rusak parah setelah hujan; mohon segera diperbaiki. " * 60


@dataclass(frozen=True)
class Seeded:
    url: str
    keys: list[str]  # Authorization header values of clients with feedback:read


async def _seed(url: str) -> list[str]:
    database = Database(url)
    try:
        writer = await committed_client(
            database, "organizations:write", "programs:write", "feedback:write"
        )
        async with writer:
            program = await create_program(writer)
            for _ in range(FEEDBACK_ITEMS // 1000):
                item = {
                    "program_id": program["id"],
                    "rating": 2,
                    "comment": COMMENT,
                    "submitted_at": "2026-05-01T03:00:00Z",
                }
                response = await writer.post("/v1/feedback/batch", json=[item] * 1000)
                assert response.status_code == 200, response.text[:500]
                results = response.json()["results"]
                assert {result["status"] for result in results} == {"created"}, results[0]
        keys = []
        for _ in range(3):
            reader = await committed_client(database, "feedback:read")
            keys.append(reader.headers["Authorization"])
            await reader.aclose()
        return keys
    finally:
        await database.dispose()


@pytest.fixture(scope="package")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A migrated database of its own with 3,000 long feedback items and three readers."""
    with migrated_database(tmp_path_factory.mktemp("serving")) as url:
        yield Seeded(url, asyncio.run(_seed(url)))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextmanager
def serve(database_url: str, directory: Path, *arguments: str, **settings: str) -> Iterator[Server]:
    """`sofifi-api serve` in a process of its own on a free port, once it answers /health;
    `settings` are environment variables. Stopped (and killed if need be) afterwards."""
    port = free_port()
    log = directory / f"server-{port}.log"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SOFIFI_") and key not in ("REDIS_URL", "WEB_CONCURRENCY")
    }
    environment |= {
        "DATABASE_URL": database_url,
        "SOFIFI_SECRET_KEY": "serving-tests-secret-key-0123456789",
        "SOFIFI_RATE_LIMIT_PER_MINUTE": "100000",
    } | settings
    command = [str(Path(sys.executable).parent / "sofifi-api"), "serve", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, *arguments], env=environment, cwd=directory, stdout=output, stderr=output
        )
    server = Server(process, port, log)
    try:
        wait_until_answering(server.base_url, process, server.output)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_export(server: Server, key: str, receive_buffer: int = 4096) -> socket.socket:
    """Asks for the feedback export and reads nothing yet; the receive buffer is kept small so
    that the server soon has to wait for this client."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    client.settimeout(10)
    client.connect(("127.0.0.1", server.port))
    client.sendall(
        f"GET {EXPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {key}\r\n\r\n".encode()
    )
    return client


def status_of(client: socket.socket) -> int:
    """The status of the answer, peeked at: the bytes stay unread."""
    head = b""
    while not head.endswith(b"\r\n") and len(head) < 64:
        head = client.recv(64, socket.MSG_PEEK)
        if b"\r\n" in head:
            break
    return int(head.split(b" ")[1])


def read_all(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection or ends the body."""
    received = bytearray()
    while chunk := client.recv(1 << 20):
        received += chunk
        if received.endswith(b"\r\n0\r\n\r\n"):
            break
    return bytes(received)
