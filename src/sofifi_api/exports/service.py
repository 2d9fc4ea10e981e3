"""Streaming an export: a connection of its own, a server-side cursor, one chunk at a time.

The request's session commits before its response is sent, so an export reads through a
connection it opens itself and closes when the last chunk is sent or the client leaves. Rows
arrive `chunk_rows` at a time; while one chunk is written and sent, the next is read, and no
more: memory stays flat whatever the collection's size, and the database and this process work
side by side. On PostgreSQL the rows are read straight from a cursor of the driver (asyncpg):
SQLAlchemy's result layer, made for rows one at a time, would cost more per row than writing
them does.

The first chunk is read before the status line is sent: a failure to start (database down,
query refused) is still an ordinary problem response. After that, a failure can only cut the
body short; it is logged (its kind and how many rows were sent, never a value) and the
connection is aborted, so the client sees an incomplete transfer rather than a short file.

An export takes one of the streams `ExportStreams` allows before it opens its connection (of
the exports' own pool, so that exports never take the connections ordinary requests need),
and gives it back when it ends. A client that stops reading makes sending block; after
`send_timeout` seconds without progress the export ends as a failure part-way does, and its
cursor, connection and stream are freed.
"""

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, aclosing, nullcontext, suppress
from dataclasses import dataclass
from typing import Any

import anyio
import msgspec
import sqlalchemy as sa
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.sql.expression import SelectOfScalar
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from sofifi_api import metrics
from sofifi_api.auth.principal import Principal
from sofifi_api.db import utcnow
from sofifi_api.driver import driver_errors, driver_statement
from sofifi_api.errors import request_id_of
from sofifi_api.exports.fields import sql_csv_line, sql_writable
from sofifi_api.exports.formats import (
    MEDIA_TYPES,
    ExportFormat,
    attachment,
    csv_cell,
    csv_head,
    csv_lines,
    ndjson_lines,
)
from sofifi_api.exports.streams import ExportStreams
from sofifi_api.representations.collection import Collection
from sofifi_api.representations.fields import Kind, stored_json

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 2000

ConnectionOpener = Callable[[], AbstractAsyncContextManager[AsyncConnection]]
_Chunk = Sequence[Row[Any]]


@dataclass(frozen=True)
class ExportSource:
    """Where an export reads: a connection of its own, of this dialect, `chunk_rows` rows at
    a time."""

    open_connection: ConnectionOpener
    dialect: str
    chunk_rows: int = DEFAULT_CHUNK_ROWS

    def rows(self, connection: AsyncConnection, statement: Any) -> AsyncIterator[_Chunk]:
        """The statement's rows, a chunk at a time."""
        if self.dialect == "postgresql":
            return _driver_rows(connection, statement, self.chunk_rows)
        return _result_rows(connection, statement, self.chunk_rows)


class ExportInterrupted(Exception):
    """An export failed after its first bytes were sent; the cause is logged, not carried."""


class Writer(ABC):
    """Writes rows of the export's statement in one format, chunk by chunk, as UTF-8."""

    head = b""
    # A writer that queries the export's connection itself cannot have it read ahead.
    reads_database = False

    @abstractmethod
    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes: ...

    def tail(self) -> bytes:
        return b""


class ItemWriter(Writer):
    """Builds each row's item in Python, as the list does, and writes the items."""

    def __init__(self, collection: Collection, dialect: str) -> None:
        self.collection = collection
        self.dialect = dialect

    def items(self, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
        return self.collection.items(rows, self.dialect)


class CsvWriter(ItemWriter):
    def __init__(self, collection: Collection, dialect: str) -> None:
        super().__init__(collection, dialect)
        self.head = csv_head(collection.names).encode()

    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes:
        names = self.collection.names
        lines = csv_lines([csv_cell(item.get(name)) for name in names] for item in self.items(rows))
        return lines.encode()


class NdjsonWriter(ItemWriter):
    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes:
        return ndjson_lines(self.items(rows))


class PlainNdjsonWriter(Writer):
    """NDJSON of a collection of plain fields. A row becomes a msgspec struct of the same
    fields as it comes (ids, timestamps and dates are written by the encoder, in the API's
    forms); only stored JSON is wrapped to be written as stored."""

    def __init__(self, collection: Collection) -> None:
        self.item = msgspec.defstruct(
            f"{collection.name}_item", [(name, Any) for name in collection.names]
        )
        self.stored_json = [
            item_field.name for item_field in collection.fields if item_field.kind is Kind.JSON
        ]

    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes:
        item = self.item
        items = [item(*row) for row in rows]
        for name in self.stored_json:
            for each in items:
                setattr(each, name, stored_json(getattr(each, name)))
        return ndjson_lines(items)


class LineWriter(Writer):
    """Rows that are already whole lines, written by the database as UTF-8 bytes (which
    spares decoding them here only to encode them again)."""

    def __init__(self, head: bytes, line_end: bytes) -> None:
        self.head = head
        self.line_end = line_end

    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes:
        line_end = self.line_end
        return line_end.join([row[0] for row in rows]) + line_end


def tabular_export(
    collection: Collection,
    matching: SelectOfScalar[Any],
    export_format: ExportFormat,
    dialect: str,
) -> tuple[Any, Writer]:
    """The statement and writer of a CSV or NDJSON export. Collections of plain fields take
    shortcuts: on PostgreSQL the database writes each CSV line, and NDJSON items skip the
    dict. The bytes are those of the general writers."""
    plain = sql_writable(collection.fields) and collection.shape is None
    if export_format is ExportFormat.csv:
        if dialect == "postgresql" and plain:
            line = sa.func.convert_to(sql_csv_line(collection.fields), "UTF8")
            statement = collection.statement(
                matching, dialect, sa.type_coerce(line, sa.LargeBinary)
            )
            return statement, LineWriter(csv_head(collection.names).encode(), b"\r\n")
        return collection.statement(matching, dialect), CsvWriter(collection, dialect)
    writer = PlainNdjsonWriter(collection) if plain else NdjsonWriter(collection, dialect)
    return collection.statement(matching, dialect), writer


async def _driver_rows(
    connection: AsyncConnection, statement: Any, chunk_rows: int
) -> AsyncGenerator[_Chunk, None]:
    """PostgreSQL: the rows from a cursor of the driver. A cursor lives in a transaction: the
    one SQLAlchemy manages for the connection, begun by its first statement."""
    await connection.exec_driver_sql("SELECT 1")
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "an open connection has its driver's"
    query = driver_statement(statement, connection.dialect)
    async with driver_errors(connection, query.sql):
        cursor = await driver.cursor(query.sql, *query.arguments())
        while rows := await cursor.fetch(chunk_rows):
            yield rows


async def _result_rows(
    connection: AsyncConnection, statement: Any, chunk_rows: int
) -> AsyncGenerator[_Chunk, None]:
    """The rows through SQLAlchemy's result, `chunk_rows` at a time."""
    async with connection.stream(statement, execution_options={"yield_per": chunk_rows}) as result:
        async for rows in result.partitions():
            yield rows


async def _read(chunks: AsyncIterator[_Chunk], *, ahead: bool) -> AsyncGenerator[_Chunk, None]:
    """The same chunks; `ahead`, the next one is fetched while the current one is written and
    sent, so that the database and this process work at the same time. At most one chunk
    waits. Closed early (the client left), a fetch under way is let finish rather than
    cancelled mid-query, which would cost the connection."""
    if not ahead:
        async for rows in chunks:
            yield rows
        return
    ready: asyncio.Queue[_Chunk | Exception | None] = asyncio.Queue(maxsize=1)
    stopped = False

    async def fetch() -> None:
        try:
            async for rows in chunks:
                await ready.put(rows)
                if stopped:
                    return
        except Exception as exc:
            await ready.put(exc)
        else:
            await ready.put(None)

    fetching = asyncio.create_task(fetch())
    try:
        while (fetched := await ready.get()) is not None:
            if isinstance(fetched, Exception):
                raise fetched
            yield fetched
    finally:
        stopped = True
        if not fetching.done():
            # Makes room for a chunk fetched meanwhile, so that the fetch can end.
            with suppress(asyncio.QueueEmpty):
                ready.get_nowait()
            with anyio.CancelScope(shield=True):
                await fetching


async def export_chunks(
    source: ExportSource,
    statement: Any,
    writer: Writer,
    *,
    label: str,
    request_id: str,
) -> AsyncGenerator[bytes, None]:
    """The export's body, chunk by chunk; the first chunk holds the head and the first rows."""
    sent = 0
    started = False
    metrics.EXPORT_STREAMS_OPEN.inc()
    try:
        async with source.open_connection() as connection:
            pending = writer.head
            chunks = _read(source.rows(connection, statement), ahead=not writer.reads_database)
            async with aclosing(chunks):
                async for rows in chunks:
                    pending += await writer.chunk(connection, rows)
                    started = True
                    yield pending
                    sent += len(rows)
                    pending = b""
            started = True
            rest = pending + writer.tail()
            if rest:
                yield rest
    except GeneratorExit:
        logger.info(
            "export of %s closed after %d rows", label, sent, extra={"request_id": request_id}
        )
        raise
    except Exception as exc:
        if not started:
            raise
        # Only the kind of failure: a driver's message may quote data.
        logger.error(
            "export of %s failed after %d rows: %s",
            label,
            sent,
            type(exc).__name__,
            extra={"request_id": request_id},
        )
        raise ExportInterrupted(f"export of {label} failed after {sent} rows") from None
    finally:
        metrics.EXPORT_STREAMS_OPEN.dec()


# A chunk is sent in pieces of at most this size, each within the send timeout: the timeout
# then ends a client that reads (almost) nothing, not one too slow to take a whole chunk.
SEND_PIECE_BYTES = 64 * 1024


def _pieces(chunk: bytes) -> list[bytes]:
    if len(chunk) <= SEND_PIECE_BYTES:
        return [chunk]
    return [chunk[at : at + SEND_PIECE_BYTES] for at in range(0, len(chunk), SEND_PIECE_BYTES)]


class ExportResponse(StreamingResponse):
    """Sends an export as it is written. Its first chunk is awaited before the status line,
    so that a failure to start becomes a problem response; the body (and its connection) is
    closed however the response ends. `slot`, taken before the first chunk is read and held
    until the last is sent, may refuse the export (an `ApiError`, answered as a problem). A
    send that waits more than `send_timeout` seconds (a client that stopped reading) ends the
    export without its final chunk."""

    def __init__(
        self,
        body: AsyncGenerator[bytes, None],
        *,
        media_type: str,
        headers: dict[str, str],
        slot: AbstractAsyncContextManager[None] | None = None,
        send_timeout: float | None = None,
        label: str = "",
        request_id: str = "",
    ) -> None:
        super().__init__(body, media_type=media_type, headers=headers)
        self._body = body
        self._slot = slot or nullcontext()
        self._send_timeout = send_timeout
        self._label = label
        self._request_id = request_id

    async def stream_response(self, send: Send) -> None:
        async with self._slot:
            await self._stream(send)

    async def _stream(self, send: Send) -> None:
        first = await anext(self._body, b"")

        async def send_in_time(message: Message) -> None:
            async with asyncio.timeout(self._send_timeout):
                await send(message)

        try:
            await send_in_time(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            for piece in _pieces(first):
                await send_in_time({"type": "http.response.body", "body": piece, "more_body": True})
            async for chunk in self._body:
                for piece in _pieces(chunk):
                    await send_in_time(
                        {"type": "http.response.body", "body": piece, "more_body": True}
                    )
            await send_in_time({"type": "http.response.body", "body": b"", "more_body": False})
        except TimeoutError:
            # Returning without the final chunk: the server closes the connection, and the
            # body, with its cursor, connection and stream, is closed by `__call__`.
            logger.warning(
                "export of %s ended: its client read nothing for %s s",
                self._label,
                self._send_timeout,
                extra={"request_id": self._request_id},
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._body.aclose()


def export_response(
    request: Request,
    source: ExportSource,
    *,
    name: str,
    export_format: ExportFormat,
    statement: Any,
    writer: Writer,
) -> ExportResponse:
    """The streaming answer, named `<name>-<UTC time>.<extension>` for a download, within
    the client's share of the application's export streams."""
    streams: ExportStreams = request.app.state.export_streams
    principal: Principal = request.state.principal
    request_id = request_id_of(request)
    body = export_chunks(source, statement, writer, label=name, request_id=request_id)
    return ExportResponse(
        body,
        media_type=MEDIA_TYPES[export_format].content_type,
        headers={
            "Content-Disposition": attachment(name, export_format, utcnow()),
            "Vary": "Accept",
        },
        slot=streams.slot(str(principal.client_id)),
        send_timeout=streams.send_timeout,
        label=name,
        request_id=request_id,
    )
