"""The metric of export streams open rises while an export is sent and falls when it ends."""

from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx
from fastapi import FastAPI
from tests.exports.test_streaming import get_scope
from tests.factories import create_organization
from tests.metrics import scraped

Message = MutableMapping[str, Any]


async def test_an_export_being_sent_counts_as_an_open_stream(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for index in range(5):
        await create_organization(client, name=f"Organisasi {index}")
    before = scraped("sofifi_export_streams_open")
    while_sending: list[float] = []
    requested = False
    complete = anyio.Event()

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            while_sending.append(scraped("sofifi_export_streams_open"))
            if not message.get("more_body", False):
                complete.set()

    key = str(client.headers["Authorization"])
    await app(get_scope("/v1/exports/organizations", key, "2.3"), receive, send)

    assert while_sending
    assert set(while_sending[:-1]) == {before + 1}
    assert scraped("sofifi_export_streams_open") == before
