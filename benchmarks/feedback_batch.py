"""Throughput of `POST /v1/feedback/batch` against a plain PostgreSQL COPY of the same rows.

Usage (a PostgreSQL server is needed; a database of its own is created and dropped):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/feedback_batch.py --batches 20

`SOFIFI_BENCH_DATABASE_URL` takes precedence over `DATABASE_URL`. The application runs
in-process (httpx over ASGI: no network, but every middleware, the authentication, validation,
the INSERT and the audit events). Request bodies are serialised before the clock starts. The
COPY baseline loads the same number of rows, in one `COPY feedback (...) FROM STDIN`, into the
emptied table. The target is a ratio of at least 0.25.
"""

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BATCH_SIZE = 1000


# The service's settings are read once; quiet access logs keep the terminal (and timing) clean.
os.environ.setdefault("SOFIFI_LOG_LEVEL", "WARNING")

import httpx  # noqa: E402
from scratch import (  # noqa: E402
    FEEDBACK_COLUMNS,
    plain_url,
    program_and_client,
    scratch_database,
)
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from sofifi_api.db import Database, async_url, new_id  # noqa: E402
from sofifi_api.main import create_app  # noqa: E402


def _items(program_id: str, batch: int, run: str) -> list[dict[str, Any]]:
    start = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    return [
        {
            "program_id": program_id,
            "rating": 1 + (index % 5),
            "comment": "Pelatihan anyaman bambu sangat bermanfaat, tetapi bahan baku kurang.",
            "submitted_at": (start + timedelta(seconds=index)).isoformat(),
            "client_ref": f"{run}/tab-{batch:04d}/{index:04d}",
        }
        for index in range(BATCH_SIZE)
    ]


async def _post_batches(app: Any, key: str, bodies: list[bytes]) -> tuple[float, int]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers, timeout=120
    ) as http:
        created = 0
        started = time.perf_counter()
        for body in bodies:
            response = await http.post("/v1/feedback/batch", content=body)
            if response.status_code != 200:
                sys.exit(f"batch answered {response.status_code}: {response.text[:500]}")
            created += sum(item["status"] == "created" for item in response.json()["results"])
        return time.perf_counter() - started, created


def _copy_records(program_id: str, client_id: uuid.UUID, count: int) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    start = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    comment = "Pelatihan anyaman bambu sangat bermanfaat, tetapi bahan baku kurang."
    program = uuid.UUID(program_id)
    return [
        (
            new_id(),
            now,
            now,
            None,
            program,
            None,
            1 + (index % 5),
            comment,
            None,
            start + timedelta(seconds=index % BATCH_SIZE),
            f"copy/{index:07d}",
            now,
            client_id,
            None,
            None,
            None,
            "new",
            None,
        )
        for index in range(count)
    ]


async def _copy(url: str, records: list[tuple[Any, ...]]) -> float:
    import asyncpg

    connection = await asyncpg.connect(plain_url(url))
    try:
        await connection.execute("TRUNCATE feedback, audit_events")
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "feedback", records=records, columns=FEEDBACK_COLUMNS
        )
        return time.perf_counter() - started
    finally:
        await connection.close()


async def _truncate(url: str) -> None:
    engine = create_async_engine(async_url(url))
    async with engine.begin() as connection:
        await connection.exec_driver_sql("TRUNCATE feedback, audit_events")
    await engine.dispose()


async def run(batches: int) -> None:
    async with scratch_database() as url:
        database = Database(url)
        try:
            app = create_app(database)
            program, key = await program_and_client(
                database, name="Benchmark survey app", scope="feedback:write"
            )
            program_id = str(program)
            # Started as a server starts it, with its lifespan.
            async with app.router.lifespan_context(app):
                warm_up = [json.dumps(_items(program_id, 0, "warm-up")).encode()]
                await _post_batches(app, key, warm_up)
                await _truncate(url)
                bodies = [
                    json.dumps(_items(program_id, b, "bench")).encode() for b in range(batches)
                ]
                api_seconds, created = await _post_batches(app, key, bodies)
                rows = batches * BATCH_SIZE
                if created != rows:
                    sys.exit(f"expected {rows} created rows, got {created}")
        finally:
            await database.dispose()
        records = _copy_records(program_id, uuid.uuid4(), rows)
        copy_seconds = await _copy(url, records)

    api_rate = rows / api_seconds
    copy_rate = rows / copy_seconds
    print(f"rows:                 {rows} ({batches} batches of {BATCH_SIZE})")
    print(f"POST /v1/feedback/batch: {api_rate:10.0f} rows/s ({api_seconds:.2f} s)")
    print(f"COPY feedback:           {copy_rate:10.0f} rows/s ({copy_seconds:.2f} s)")
    print(f"ratio API / COPY:        {api_rate / copy_rate:10.2f} (target >= 0.25)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--batches", type=int, default=20, help="batches of 1,000 items to post (default 20)"
    )
    asyncio.run(run(parser.parse_args().batches))


if __name__ == "__main__":
    main()
