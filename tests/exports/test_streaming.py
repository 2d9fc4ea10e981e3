"""Exports are streamed a chunk at a time from one statement, whatever their size; a failure
before the first chunk is a problem response, one after it cuts the transfer short."""

import logging
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.conftest import QueryCounter
from tests.exports.conftest import CHUNK_ROWS
from tests.factories import create_feedback, create_organization, create_program

from sofifi_api.exports.dependencies import export_source
from sofifi_api.exports.service import ExportInterrupted, ExportSource

Message = MutableMapping[str, Any]


def get_scope(path: str, key: str, spec_version: str) -> dict[str, Any]:
    """An ASGI scope for a GET with the key, as Uvicorn makes it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"authorization", key.encode())],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
    }


async def call(app: FastAPI, path: str, key: str) -> list[Message]:
    """The ASGI messages the app sends for a GET, as a server would receive them."""
    sent: list[Message] = []
    requested = False
    complete = anyio.Event()

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        # The client stays until the response is complete.
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()

    with suppress(ExportInterrupted):
        await app(get_scope(path, key, "2.3"), receive, send)
    return sent


def bodies(messages: list[Message]) -> list[Message]:
    return [message for message in messages if message["type"] == "http.response.body"]


@pytest.fixture
async def key(client: httpx.AsyncClient) -> str:
    return str(client.headers["Authorization"])


async def test_each_chunk_of_rows_is_sent_as_it_is_written(
    app: FastAPI, client: httpx.AsyncClient, key: str
) -> None:
    lead = (await create_organization(client))["id"]
    program = await create_program(client, lead)
    for _ in range(5):
        await create_feedback(client, program["id"])

    messages = await call(app, "/v1/exports/feedback", key)

    chunks = bodies(messages)
    # Three chunks of at most two rows, the first with the header, then the end.
    assert [chunk["body"].count(b"\r\n") for chunk in chunks] == [3, 2, 1, 0]
    assert [chunk["more_body"] for chunk in chunks] == [True, True, True, False]


async def test_an_export_of_many_rows_runs_as_many_statements_as_one_of_few(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    lead = (await create_organization(client))["id"]

    async def statements_of_an_export() -> int:
        before = count_queries.count
        response = await client.get("/v1/exports/programs")
        assert response.status_code == 200
        return count_queries.count - before

    for index in range(CHUNK_ROWS + 1):
        await create_program(client, lead, title=f"Program {index}", area_codes=[])
    few = await statements_of_an_export()
    for index in range(4 * CHUNK_ROWS):
        await create_program(client, lead, title=f"Program {index}", area_codes=[])
    many = await statements_of_an_export()

    assert few == many


async def test_a_failure_before_the_first_chunk_is_a_problem_response(
    app: FastAPI, source: ExportSource, client: httpx.AsyncClient
) -> None:
    @asynccontextmanager
    async def unreachable() -> AsyncIterator[AsyncConnection]:
        raise OperationalError("connect", {}, ConnectionRefusedError("refused"))
        yield  # pragma: no cover

    app.dependency_overrides[export_source] = lambda: ExportSource(
        open_connection=unreachable, dialect=source.dialect, chunk_rows=CHUNK_ROWS
    )

    response = await client.get("/v1/exports/organizations")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "content-disposition" not in response.headers


async def test_a_failure_after_the_first_chunk_ends_the_transfer_without_its_last_chunk(
    app: FastAPI,
    source: ExportSource,
    client: httpx.AsyncClient,
    key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for index in range(5):
        await create_organization(client, name=f"Organisasi {index}")

    app.dependency_overrides[export_source] = lambda: FailsOnSecondChunk(
        open_connection=source.open_connection, dialect=source.dialect, chunk_rows=CHUNK_ROWS
    )

    service_logger = logging.getLogger("sofifi_api")
    service_logger.addHandler(caplog.handler)
    try:
        messages = await call(app, "/v1/exports/organizations", key)
    finally:
        service_logger.removeHandler(caplog.handler)

    assert messages[0]["status"] == 200
    assert [chunk["more_body"] for chunk in bodies(messages)] == [True]
    (record,) = [r for r in caplog.records if r.name == "sofifi_api.exports.service"]
    assert record.getMessage() == "export of organizations failed after 2 rows: RuntimeError"


@dataclass(frozen=True)
class FailsOnSecondChunk(ExportSource):
    """A source whose rows break off after the first chunk."""

    async def rows(self, connection: AsyncConnection, statement: Any) -> AsyncIterator[Any]:
        async for rows in super().rows(connection, statement):
            yield rows
            raise RuntimeError("the server went away")


async def test_a_client_leaving_early_closes_the_exports_connection(
    app: FastAPI, source: ExportSource, client: httpx.AsyncClient, key: str
) -> None:
    for index in range(5):
        await create_organization(client, name=f"Organisasi {index}")
    closed: list[bool] = []

    @asynccontextmanager
    async def watched() -> AsyncIterator[AsyncConnection]:
        try:
            async with source.open_connection() as connection:
                yield connection
        finally:
            closed.append(True)

    app.dependency_overrides[export_source] = lambda: ExportSource(
        open_connection=watched, dialect=source.dialect, chunk_rows=CHUNK_ROWS
    )
    scope_messages: list[Message] = []

    async def receive() -> Message:
        if not scope_messages:
            scope_messages.append({})
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("client gone")

    with pytest.raises(Exception):  # noqa: B017
        await app(get_scope("/v1/exports/organizations", key, "2.4"), receive, send)

    assert closed == [True]
