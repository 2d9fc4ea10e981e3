"""Streaming `GET /v1/exports/feedback` of 1,000,000 rows against PostgreSQL's own COPY.

Usage (a PostgreSQL server is needed; a database of its own is created and dropped):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/export.py --rows 1000000

`SOFIFI_BENCH_DATABASE_URL` takes precedence over `DATABASE_URL`. The feedback is loaded with
one `COPY feedback FROM STDIN`. The API then runs as a separate server process (Uvicorn with
`sofifi_api.main:create_app`, on a free localhost port, the same settings) and the export is
read with httpx, as a partner would, in CSV and in NDJSON; the baseline is
`COPY (SELECT <the same columns> FROM feedback ORDER BY id) TO STDOUT (FORMAT csv)` in the same
run; each full export and the COPY run `--runs` times (default 3), in alternating rounds, and
the best time of each counts, so that other load on the machine weighs on them alike. The
server's peak resident memory (VmHWM) is read after a first export of the 100,000 most recently
changed rows (`updated_since`) and after all the exports of every row; it should grow by less
than 20 MB. Last, `GET /v1/feedback?limit=100` is timed for the first page and for a
page 90% of the way through the table (a cursor signed with the server's secret key).
Targets: export rate at least a third of COPY's; the deep page as fast as the first.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIRST_EXPORT_ROWS = 100_000
PAGE_RUNS = 20
COMMENTS = [
    "Pelatihan anyaman bambu sangat bermanfaat, tetapi bahan baku kurang.",
    "Jalan sudah bagus",
    '-Kurang "sosialisasi" di desa',
    None,
]


# The server and this process sign cursors with the same key; settings are read once.
os.environ["SOFIFI_SECRET_KEY"] = f"benchmark-{uuid.uuid4().hex}"
os.environ.setdefault("SOFIFI_LOG_LEVEL", "WARNING")

import httpx  # noqa: E402
from scratch import (  # noqa: E402
    FEEDBACK_COLUMNS,
    free_port,
    plain_url,
    program_and_client,
    scratch_database,
    start_server,
)

from sofifi_api.db import Database, new_ids  # noqa: E402
from sofifi_api.pagination import encode_cursor  # noqa: E402


async def _arrange(url: str) -> tuple[uuid.UUID, str]:
    """A program the feedback is about, and an API client allowed to read it."""
    database = Database(url)
    try:
        return await program_and_client(database, name="Benchmark sync", scope="feedback:read")
    finally:
        await database.dispose()


def _records(program_id: uuid.UUID, count: int, start: datetime) -> Iterator[tuple[Any, ...]]:
    """Feedback rows in id order; each row changed a second after the previous one."""
    client_id = uuid.uuid4()
    for offset in range(0, count, 100_000):
        ids = new_ids(min(100_000, count - offset))
        for index, feedback_id in enumerate(ids, start=offset):
            at = start + timedelta(seconds=index)
            yield (
                feedback_id,
                at,
                at,
                None,
                program_id,
                None,
                1 + index % 5,
                COMMENTS[index % len(COMMENTS)],
                None,
                at - timedelta(days=2),
                f"tab-{index % 97:02d}/{index:07d}",
                at,
                client_id,
                None,
                None,
                '{"kepuasan": 4, "saran": "Tambah bambu"}' if index % 10 == 0 else None,
                "new",
                None,
            )


async def _load(url: str, program_id: uuid.UUID, count: int, start: datetime) -> uuid.UUID:
    """COPYs `count` rows in; returns the id 90% of the way through the table."""
    import asyncpg

    connection = await asyncpg.connect(plain_url(url))
    try:
        await connection.copy_records_to_table(
            "feedback", records=_records(program_id, count, start), columns=FEEDBACK_COLUMNS
        )
        await connection.execute("ANALYZE feedback")
        deep: uuid.UUID = await connection.fetchval(
            "SELECT id FROM feedback ORDER BY id OFFSET $1 LIMIT 1", count * 9 // 10
        )
        return deep
    finally:
        await connection.close()


async def _copy_rate(url: str) -> tuple[float, int]:
    """Seconds and rows of COPY (SELECT the export's rows) TO STDOUT, read by this process."""
    import asyncpg

    connection = await asyncpg.connect(plain_url(url))
    lines = 0

    async def count(data: bytes) -> None:
        nonlocal lines
        lines += data.count(b"\n")

    try:
        started = time.perf_counter()
        # The same rows, in the same order, as the export.
        query = f"SELECT {', '.join(FEEDBACK_COLUMNS)} FROM feedback ORDER BY id"  # noqa: S608
        await connection.copy_from_query(query, output=count, format="csv")
        return time.perf_counter() - started, lines
    finally:
        await connection.close()


async def _wait_until_serving(http: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            sys.exit("the server process ended at start-up")
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    sys.exit("the server did not start")


def _peak_memory_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process has had (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


async def _export(http: httpx.AsyncClient, export_format: str, **params: str) -> tuple[float, int]:
    """Seconds and rows of one export, read as it streams."""
    lines = 0
    started = time.perf_counter()
    async with http.stream(
        "GET", "/v1/exports/feedback", params={"format": export_format, **params}
    ) as response:
        if response.status_code != 200:
            sys.exit(f"export answered {response.status_code}: {(await response.aread())[:500]!r}")
        async for chunk in response.aiter_raw():
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    # A CSV has a header line; the benchmark's texts hold no line breaks.
    return seconds, lines - 1 if export_format == "csv" else lines


async def _page_ms(http: httpx.AsyncClient, cursor: str | None) -> float:
    params = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
    timings = []
    for _ in range(PAGE_RUNS):
        started = time.perf_counter()
        response = await http.get("/v1/feedback", params=params)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200 or len(response.json()["data"]) != 100:
            sys.exit(f"page answered {response.status_code}: {response.text[:500]}")
    return statistics.median(timings) * 1000


async def run(rows: int, runs: int) -> None:
    server: subprocess.Popen[bytes] | None = None
    async with scratch_database() as url:
        try:
            program_id, key = await _arrange(url)
            start = datetime(2026, 1, 1, tzinfo=UTC)
            loaded = time.perf_counter()
            deep_key = await _load(url, program_id, rows, start)
            load_seconds = time.perf_counter() - loaded
            recent = (start + timedelta(seconds=rows - FIRST_EXPORT_ROWS)).isoformat()

            port = free_port()
            server = start_server(url, port)
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600
            ) as http:
                await _wait_until_serving(http, server)
                await _export(
                    http, "csv", updated_since=(start + timedelta(seconds=rows)).isoformat()
                )
                first_seconds, first_rows = await _export(http, "csv", updated_since=recent)
                memory_first = _peak_memory_mib(server.pid)
                # Rounds alternate the three, so that other load on the machine hits them alike.
                timings: dict[str, list[tuple[float, int]]] = {"copy": [], "csv": [], "ndjson": []}
                for _ in range(runs):
                    timings["copy"].append(await _copy_rate(url))
                    timings["csv"].append(await _export(http, "csv"))
                    timings["ndjson"].append(await _export(http, "ndjson"))
                memory_all = _peak_memory_mib(server.pid)
                page_one = await _page_ms(http, None)
                page_deep = await _page_ms(http, encode_cursor(str(deep_key)))
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)

    counts = {count for runs_of_one in timings.values() for _, count in runs_of_one}
    if first_rows != FIRST_EXPORT_ROWS or counts != {rows}:
        sys.exit(f"row counts differ: {first_rows}, {sorted(counts)}")
    best = {
        name: min(seconds for seconds, _ in runs_of_one) for name, runs_of_one in timings.items()
    }
    copy_rate = rows / best["copy"]
    print(f"rows:                               {rows} (loaded by COPY in {load_seconds:.1f} s)")
    print(f"best of {runs} runs each:")
    print(f"COPY (SELECT ...) TO STDOUT (csv):  {copy_rate:10.0f} rows/s ({best['copy']:.2f} s)")
    for label, seconds in (("CSV", best["csv"]), ("NDJSON", best["ndjson"])):
        rate = rows / seconds
        print(
            f"GET /v1/exports/feedback {label:6}:    {rate:10.0f} rows/s ({seconds:.2f} s), "
            f"{rate / copy_rate:.2f} of COPY (target >= 0.33)"
        )
    print(
        f"first export, {FIRST_EXPORT_ROWS} rows (CSV):   "
        f"{FIRST_EXPORT_ROWS / first_seconds:10.0f} rows/s ({first_seconds:.2f} s)"
    )
    print(f"server peak memory after {FIRST_EXPORT_ROWS} rows:       {memory_first:7.1f} MiB")
    print(f"server peak memory after every {rows} rows export: {memory_all:5.1f} MiB")
    print(
        f"peak memory growth, {FIRST_EXPORT_ROWS} -> {rows} rows: "
        f"{memory_all - memory_first:7.1f} MiB (target < 20)"
    )
    print(
        f"GET /v1/feedback?limit=100, page 1:          {page_one:6.2f} ms (median of {PAGE_RUNS})"
    )
    print(
        f"GET /v1/feedback?limit=100, page at 90%:     {page_deep:6.2f} ms (median of {PAGE_RUNS})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="feedback rows to export (default 1,000,000)"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each full export and of COPY (default 3)"
    )
    arguments = parser.parse_args()
    if arguments.rows <= FIRST_EXPORT_ROWS:
        parser.error(f"--rows must exceed {FIRST_EXPORT_ROWS}")
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    asyncio.run(run(arguments.rows, arguments.runs))


if __name__ == "__main__":
    main()
