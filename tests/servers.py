"""Real server processes for tests of what happens on the wire (connections, timeouts)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from fastapi import FastAPI

from sofifi_api import cli
from sofifi_api.main import create_app

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 90


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def running_server(command: Sequence[str], environment: dict[str, str]) -> Iterator[Server]:
    """Runs `command` (which serves on $HOST:$PORT) until the block ends; waits until it answers."""
    server = Server("127.0.0.1", free_port())
    env = os.environ | environment | {"HOST": server.host, "PORT": str(server.port)}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_answering(server, process, log)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_answering(server: Server, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    # Generous: on a loaded machine (CI's test processes side by side) a server process takes
    # long to import the application.
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not start within {START_SECONDS} s")
        time.sleep(0.1)


def read_response_head(connection: socket.socket) -> bytes:
    """Bytes received until the end of the response's headers, or until the server closed."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def read_response(connection: socket.socket) -> tuple[bytes, bytes]:
    """One whole response (head, body) with a Content-Length; (b"", b"") if the server closed."""
    received = read_response_head(connection)
    if b"\r\n\r\n" not in received:
        return b"", b""
    head, body = received.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


FAILURE_PATH = "/v1/test-failure"


def app_with_failing_route() -> FastAPI:
    """The application plus one route that fails with an unexpected exception."""
    app = create_app()

    @app.get(FAILURE_PATH)
    async def fail() -> None:
        raise RuntimeError("an unexpected failure")

    return app


def serve_with_failing_route() -> list[str]:
    """`sofifi-api serve`, serving `app_with_failing_route` instead of the bare application."""
    return [sys.executable, "-m", "tests.servers"]


if __name__ == "__main__":
    cli.APPLICATION = "tests.servers:app_with_failing_route"
    cli.app(["serve"])
