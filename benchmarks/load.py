"""Load on the list route and on feedback submission, measured with wrk.

Usage (a PostgreSQL server is needed; a database of its own is created and dropped; `wrk` is the
Debian/Ubuntu package of that name):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/load.py --duration 60

`SOFIFI_BENCH_DATABASE_URL` takes precedence over `DATABASE_URL`. The scratch database gets an
organisation, `--programs` programs (default 100) and an API client with `programs:read` and
`feedback:write` whose rate limit (1,000,000 a minute) is never reached; every request carries
its valid key, so the failed-authentication throttle never counts one. The API then runs as a
separate server process (Uvicorn, `--workers` processes, default 1, on a free localhost port,
logging at INFO as in production, its output discarded) and `wrk` sends `--connections`
(default 64) concurrent connections for `--duration` seconds (default 60) to
`GET /v1/programs`, then to `POST /v1/feedback` (a rating and a comment about one program; each
POST stores a row). For each it prints requests/s, p50 and p99 latency, and the answers that
were not 2xx, which must be 0 (the script exits 1 otherwise).

`--url URL --key KEY --program-id ID` measures a server that is already running instead.
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
import uuid
from dataclasses import dataclass

os.environ.setdefault("SOFIFI_SECRET_KEY", f"benchmark-{uuid.uuid4().hex}")

from scratch import (
    Measured,
    free_port,
    program_and_client,
    run_wrk,
    scratch_database,
    start_server,
    wait_until_serving,
)

from sofifi_api.db import Database
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus


@dataclass(frozen=True)
class Target:
    url: str
    key: str
    program_id: str


@dataclass(frozen=True)
class Result:
    route: str
    measured: Measured

    @property
    def failed(self) -> bool:
        return bool(self.measured.non_2xx or self.measured.socket_errors)

    def line(self) -> str:
        m = self.measured
        return (
            f"{self.route:<20} {m.per_second:>9.1f} req/s   "
            f"p50 {m.p50_ms:>7.1f} ms   p99 {m.p99_ms:>7.1f} ms   "
            f"non-2xx {m.non_2xx}   socket errors {m.socket_errors}   "
            f"({m.requests} requests in {m.seconds:.1f} s)"
        )


async def _arrange(url: str, programs: int) -> tuple[str, str]:
    """Programs to list and a client that may list them and submit feedback about them."""
    database = Database(url)
    try:
        program_id, key = await program_and_client(
            database, name="Benchmark load", scope=["programs:read", "feedback:write"]
        )
        async with database.sessionmaker() as session:
            lead = (await session.get(Program, program_id)).lead_organization_id  # type: ignore[union-attr]
            session.add_all(
                Program(
                    title=f"Pendampingan usaha kecil {index:03d}",
                    category=ProgramCategory.education_skills,
                    status=ProgramStatus.active,
                    lead_organization_id=lead,
                )
                for index in range(programs - 1)
            )
            await session.commit()
        return str(program_id), key
    finally:
        await database.dispose()


def _wrk(target: Target, route: str, args: argparse.Namespace, post: str | None = None) -> Result:
    measured = run_wrk(
        f"{target.url}{route}",
        key=target.key,
        connections=args.connections,
        threads=args.threads,
        duration=args.duration,
        post=post,
    )
    return Result(route=f"{'POST' if post else 'GET'} {route}", measured=measured)


def _measure(target: Target, args: argparse.Namespace) -> list[Result]:
    feedback = json.dumps(
        {
            "program_id": target.program_id,
            "rating": 4,
            "comment": "Pelatihan bermanfaat, bahan baku kurang.",
            "submitted_at": "2026-05-01T12:00:00+09:00",
        }
    )
    return [
        _wrk(target, "/v1/programs", args),
        _wrk(target, "/v1/feedback", args, feedback),
    ]


def _report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} s per "
        f"route; server workers: {args.workers if not args.url else 'as started'}"
    )
    for result in results:
        print(result.line())
    if any(result.failed for result in results):
        sys.exit("some answers were not 2xx (or connections failed)")


async def _run_local(args: argparse.Namespace) -> list[Result]:
    async with scratch_database() as database_url:
        program_id, key = await _arrange(database_url, args.programs)
        port = free_port()
        server = start_server(database_url, port, workers=args.workers, quiet=True)
        try:
            url = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_until_serving, url, server)
            target = Target(url=url, key=key, program_id=program_id)
            return await asyncio.to_thread(_measure, target, args)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds per route")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--programs", type=int, default=100, help="programs to list")
    parser.add_argument("--url", help="a running server instead of a new one")
    parser.add_argument("--key", help="with --url: an API key with programs:read, feedback:write")
    parser.add_argument("--program-id", help="with --url: a program feedback may name")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk).")
    if args.url:
        if not (args.key and args.program_id):
            sys.exit("--url needs --key and --program-id.")
        target = Target(url=args.url.rstrip("/"), key=args.key, program_id=args.program_id)
        results = _measure(target, args)
    else:
        results = asyncio.run(_run_local(args))
    _report(results, args)


if __name__ == "__main__":
    main()
