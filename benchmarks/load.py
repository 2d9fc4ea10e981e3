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
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).with_name("load.lua")

os.environ.setdefault("SOFIFI_SECRET_KEY", f"benchmark-{uuid.uuid4().hex}")

from scratch import (  # noqa: E402
    free_port,
    program_and_client,
    scratch_database,
    start_server,
)

from sofifi_api.db import Database  # noqa: E402
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus  # noqa: E402


@dataclass(frozen=True)
class Target:
    url: str
    key: str
    program_id: str


@dataclass(frozen=True)
class Result:
    route: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    def line(self) -> str:
        return (
            f"{self.route:<20} {self.requests / self.seconds:>9.1f} req/s   "
            f"p50 {self.p50_ms:>7.1f} ms   p99 {self.p99_ms:>7.1f} ms   "
            f"non-2xx {self.non_2xx}   socket errors {self.socket_errors}   "
            f"({self.requests} requests in {self.seconds:.1f} s)"
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


def _wait_until_serving(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            sys.exit("the server process ended at start-up")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    sys.exit("the server did not start")


def _wrk(target: Target, route: str, args: argparse.Namespace, *script_args: str) -> Result:
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={args.duration}s",
        "--timeout=10s",
        f"--header=Authorization: Bearer {target.key}",
        f"--script={LUA}",
        f"{target.url}{route}",
    ]
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    measured = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    method = "POST" if script_args else "GET"
    return Result(
        route=f"{method} {route}",
        requests=measured["requests"],
        seconds=measured["duration_us"] / 1e6,
        p50_ms=measured["p50_us"] / 1000,
        p99_ms=measured["p99_us"] / 1000,
        non_2xx=measured["non_2xx"],
        socket_errors=measured["socket_errors"],
    )


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
        _wrk(target, "/v1/feedback", args, "POST", feedback),
    ]


def _report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} s per "
        f"route; server workers: {args.workers if not args.url else 'as started'}"
    )
    for result in results:
        print(result.line())
    if any(result.non_2xx or result.socket_errors for result in results):
        sys.exit("some answers were not 2xx (or connections failed)")


async def _run_local(args: argparse.Namespace) -> list[Result]:
    async with scratch_database() as database_url:
        program_id, key = await _arrange(database_url, args.programs)
        port = free_port()
        server = start_server(database_url, port, workers=args.workers, quiet=True)
        try:
            url = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(_wait_until_serving, url, server)
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
