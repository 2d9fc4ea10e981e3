"""A fast webhook receiver for benchmarks/webhooks.py: answers every POST to /hooks/... with
204 at once, and keeps, for each, when it arrived (wall clock), its path, its signature headers,
its body and the event's data id. It verifies nothing: the benchmark does, afterwards.

Run as `uvicorn --app-dir benchmarks webhook_receiver:app`. `GET /received` gives what arrived
(JSON), `GET /received/count` how many, `DELETE /received` forgets it all.
"""

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_received: list[dict[str, Any]] = []
_NO_CONTENT: Message = {"type": "http.response.start", "status": 204, "headers": []}
_EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}


async def _body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return bytes(body)


async def _answer(send: Send, status: int, payload: bytes = b"") -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _record(arrived: float, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    named = {
        name: value.decode("latin-1") for name, value in headers if name.startswith(b"webhook-")
    }
    _received.append(
        {
            "arrived": arrived,
            "path": path,
            "webhook_id": named.get(b"webhook-id"),
            "timestamp": named.get(b"webhook-timestamp"),
            "signature": named.get(b"webhook-signature"),
            "data_id": json.loads(body)["data"]["id"],
            "body": body.decode("utf-8"),
        }
    )


async def app(scope: Message, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    method, path = scope["method"], scope["path"]
    if method == "POST" and path.startswith("/hooks/"):
        body = await _body(receive)
        arrived = time.time()
        await send(_NO_CONTENT)
        await send(_EMPTY_BODY)
        _record(arrived, path, scope["headers"], body)
    elif path == "/received/count":
        await _answer(send, 200, str(len(_received)).encode())
    elif path == "/received" and method == "DELETE":
        _received.clear()
        await _answer(send, 204)
    elif path == "/received":
        await _answer(send, 200, json.dumps(_received).encode())
    elif path == "/health":
        await _answer(send, 200, b"{}")
    else:
        await _answer(send, 404)
