"""Webhook receivers on loopback: real HTTP servers, each in a thread of its own, that record
what they are sent and answer as a test tells them."""

import asyncio
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn


@dataclass(frozen=True)
class Reply:
    """What a receiver answers every request with, after `delay_seconds`."""

    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    scheme: str
    received: list[Received] = field(default_factory=list)
    # Requests not yet answered, by webhook-id; and the ids that came while one was.
    in_flight: Counter[str] = field(default_factory=Counter)
    overlapping: set[str] = field(default_factory=set)

    def url(self, host: str = "127.0.0.1", path: str = "/hooks") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


def _application(replies: Sequence[Reply], receiver: Receiver) -> Any:
    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        reply = replies[min(len(receiver.received), len(replies) - 1)]
        receiver.received.append(Received(scope["method"], scope["path"], headers, bytes(body)))
        webhook_id = headers.get("webhook-id", "")
        if receiver.in_flight[webhook_id]:
            receiver.overlapping.add(webhook_id)
        receiver.in_flight[webhook_id] += 1
        try:
            await asyncio.sleep(reply.delay_seconds)
            await send(
                {
                    "type": "http.response.start",
                    "status": reply.status,
                    "headers": [(k.encode(), v.encode()) for k, v in reply.headers.items()],
                }
            )
            await send({"type": "http.response.body", "body": reply.body})
        finally:
            receiver.in_flight[webhook_id] -= 1

    return application


@contextmanager
def receiving(
    reply: Reply | None = None,
    *,
    replies: Sequence[Reply] = (),
    certificate: tuple[Path, Path] | None = None,
    port: int = 0,
) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 for the block; https with `certificate` (chain file, key file).
    It answers every request with `reply`, or the n-th request with the n-th of `replies` (the
    last one again once they run out). `port`: the port of a receiver that stopped, to stand in
    for it; 0, any free one."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    receiver = Receiver(listener.getsockname()[1], "https" if certificate else "http")
    config = uvicorn.Config(
        _application(replies or [reply or Reply()], receiver),
        lifespan="off",
        log_config=None,
        log_level="critical",
        access_log=False,
        timeout_graceful_shutdown=1,
        ssl_certfile=certificate[0] if certificate else None,
        ssl_keyfile=certificate[1] if certificate else None,
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
    )
    server = uvicorn.Server(config)
    # In a thread, Uvicorn leaves the test process's signal handlers alone.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the receiver did not start")
        time.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
