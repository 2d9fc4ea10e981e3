"""Streamed answers (no Content-Length, such as exports) are passed on untouched: no ETag,
and each part as soon as it is produced, never buffered."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Message

from sofifi_api.conditional import ETagMiddleware

ROWS = [{"id": n, "rating": 4} for n in range(3)]


async def ndjson() -> AsyncIterator[bytes]:
    for row in ROWS:
        yield json.dumps(row).encode() + b"\n"


async def stream(_: Request) -> Response:
    return StreamingResponse(ndjson(), media_type="application/json")


async def document(_: Request) -> Response:
    return JSONResponse(ROWS)


app = ETagMiddleware(Starlette(routes=[Route("/stream", stream), Route("/document", document)]))


async def get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get(path)


async def test_a_stream_carries_no_etag() -> None:
    response = await get("/stream")

    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert [json.loads(line) for line in response.text.splitlines()] == ROWS


async def test_a_whole_json_document_beside_it_is_tagged() -> None:
    response = await get("/document")

    assert response.headers["ETag"].startswith('"')


async def test_each_part_of_a_stream_is_sent_before_the_next_is_produced() -> None:
    sent: list[Message] = []
    seen_when_producing: list[int] = []

    async def watched() -> AsyncIterator[bytes]:
        async for part in ndjson():
            seen_when_producing.append(len(sent))
            yield part

    async def watched_stream(_: Request) -> Response:
        return StreamingResponse(watched(), media_type="application/json")

    requested = False

    async def receive() -> Message:
        nonlocal requested
        if requested:  # the client stays connected until the answer is complete
            await asyncio.Event().wait()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    watched_app = ETagMiddleware(Starlette(routes=[Route("/stream", watched_stream)]))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"",
        "headers": [],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("testserver", 80),
        "root_path": "",
    }
    await watched_app(scope, receive, send)

    # Before producing part n, the start message and the n parts before it were sent.
    assert seen_when_producing == [1, 2, 3]
