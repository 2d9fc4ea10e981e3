"""The database statement timeout bounds each statement of an export (one chunk of rows), not
the export: a long download is not cut."""

import asyncio

import sqlalchemy as sa

from sofifi_api.db import Database, DatabaseTimeouts
from sofifi_api.exports.service import ExportSource, LineWriter, export_chunks

STATEMENT_TIMEOUT = 0.2


async def test_an_export_lasting_longer_than_the_statement_timeout_is_sent_whole(
    migrated_url: str,
) -> None:
    database = Database(
        migrated_url, timeouts=DatabaseTimeouts(connect=2, statement=STATEMENT_TIMEOUT, pool=2)
    )
    source = ExportSource(
        open_connection=database.engine.connect,
        dialect=database.engine.dialect.name,
        chunk_rows=1,
    )
    lines = sa.union_all(
        *(sa.select(sa.literal(f"line {n}".encode(), sa.LargeBinary)) for n in range(4))
    )
    received = []
    try:
        body = export_chunks(source, lines, LineWriter(b"", b"\n"), label="lines", request_id="-")
        async for chunk in body:
            received.append(chunk)
            # A slow reader: the export lasts several statement timeouts (and client margins).
            await asyncio.sleep(STATEMENT_TIMEOUT * 2)
    finally:
        await database.dispose()

    assert b"".join(received) == b"line 0\nline 1\nline 2\nline 3\n"
