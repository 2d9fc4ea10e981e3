"""The hot routes against a raw reference doing the same work, alternating in one run.

Usage (a PostgreSQL server is needed; a database of its own is created and dropped; `wrk` and
`taskset` are the Debian/Ubuntu packages `wrk` and `util-linux`; two cores at least):

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/hot_paths.py --duration 10 --rounds 3

The scratch database gets `--programs` programs (default 200), each with two partner
organisations and two target villages, `--feedback` feedback rows (default 200), and a client
with `programs:read` and `feedback:write` whose rate limit is never reached. Three servers then
run on it, each a single Uvicorn process pinned to `--server-cpu` (default 0): the service,
benchmarks/raw_reference.py (ASGI + asyncpg + msgspec; its docstring says what it does and does
not do) and, for the list only, benchmarks/sqlmodel_reference.py (plain FastAPI + SQLModel).
Each must first give the service's answers (the script stops otherwise). Then, for `--rounds`
rounds, each route is loaded for `--duration` seconds on each server in turn, by wrk pinned to
`--wrk-cpu` (default 1) with `--connections` (default 16):

    GET  /v1/programs?limit=50            the first page of programs
    GET  /v1/programs/{id}                one program
    POST /v1/feedback                     a rating and comment (each POST stores a row)
    GET  /v1/changes?types=program&limit=50   the change feed's first page of programs

It prints, per route and server, the median requests/s of the rounds and the median of the
rounds' ratios to the reference; every answer must be 2xx (the script exits 1 otherwise).

Then it saturates the service: the list and the POST, each for `--saturate-seconds` (default
60; 0 skips it) with `--saturate-connections` (default 64), printing p50 and p99 latency. Every
answer must be 2xx and p99 under ten times p50 (the script exits 1 otherwise): more clients
than connections in the pool wait their turn, none is refused or starved.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

os.environ.setdefault("SOFIFI_SECRET_KEY", f"benchmark-{uuid.uuid4().hex}")

from scratch import (
    SERVICE_APP,
    Measured,
    free_port,
    program_and_client,
    run_wrk,
    scratch_database,
    start_server,
    wait_until_serving,
)

from sofifi_api.areas.models import Area, AreaLevel
from sofifi_api.db import Database
from sofifi_api.feedback.models import Feedback
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.programs.models import (
    PartnerRole,
    Program,
    ProgramArea,
    ProgramCategory,
    ProgramPartner,
    ProgramStatus,
)

VILLAGES = 20
PARTNERS = 10
REFERENCE_APP = "raw_reference:app"
SQLMODEL_APP = "sqlmodel_reference:app"
SERVICE, REFERENCE, SQLMODEL = "service", "reference", "plain SQLModel app"
# Fields the server sets at each POST; everything else must be equal.
PER_SUBMISSION = {"id", "created_at", "updated_at", "received_at"}


@dataclass(frozen=True)
class Route:
    label: str
    path: str
    post: str | None = None
    # Also measured on the plain FastAPI + SQLModel app.
    plain: bool = False


@dataclass(frozen=True)
class Server:
    name: str
    url: str


async def _arrange(url: str, programs: int, feedback: int) -> tuple[str, str]:
    """Programs with partners and areas, feedback about them, and a client that may read
    programs and submit feedback; the id of one program and the client's key."""
    database = Database(url)
    try:
        program_id, key = await program_and_client(
            database, name="Benchmark hot paths", scope=["programs:read", "feedback:write"]
        )
        async with database.sessionmaker() as session:
            lead = (await session.get(Program, program_id)).lead_organization_id  # type: ignore[union-attr]
            session.add_all(
                [
                    Area(code="82", name="Maluku Utara", level=AreaLevel.province),
                    Area(code="82.72", name="Tidore Kepulauan", level=AreaLevel.regency),
                    Area(code="82.72.02", name="Oba Utara", level=AreaLevel.district),
                ]
            )
            await session.flush()
            villages = [f"82.72.02.{1001 + index}" for index in range(VILLAGES)]
            session.add_all(
                Area(code=code, name=f"Desa {code[-4:]}", level=AreaLevel.village)
                for code in villages
            )
            organizations = [
                Organization(name=f"Mitra {index:02d}", kind=OrganizationKind.ngo)
                for index in range(PARTNERS)
            ]
            session.add_all(organizations)
            await session.flush()
            roles = list(PartnerRole)
            listed = []
            for index in range(programs - 1):
                program = Program(
                    title=f"Pendampingan usaha kecil {index:03d}",
                    description="Pelatihan dan pendampingan usaha bagi kelompok perempuan.",
                    category=ProgramCategory.economic,
                    status=ProgramStatus.active,
                    lead_organization_id=lead,
                    budget_idr=250_000_000 + index,
                    target_participants=40,
                )
                program.partners = [
                    ProgramPartner(
                        program_id=program.id,
                        organization_id=organizations[(index + offset) % PARTNERS].id,
                        role=roles[(index + offset) % len(roles)],
                    )
                    for offset in range(2)
                ]
                program.areas = [
                    ProgramArea(
                        program_id=program.id, area_code=villages[(index + offset) % VILLAGES]
                    )
                    for offset in range(2)
                ]
                listed.append(program)
            session.add_all(listed)
            await session.flush()
            submitted = datetime(2026, 5, 1, 3, tzinfo=UTC)
            session.add_all(
                Feedback(
                    program_id=listed[index % len(listed)].id,
                    rating=1 + index % 5,
                    comment="Pelatihan bermanfaat.",
                    submitted_at=submitted + timedelta(minutes=index),
                )
                for index in range(feedback)
            )
            await session.commit()
            return str(listed[0].id), key
    finally:
        await database.dispose()


def _routes(program_id: str) -> list[Route]:
    feedback = json.dumps(
        {
            "program_id": program_id,
            "rating": 4,
            "comment": "Pelatihan bermanfaat, bahan baku kurang.",
            "submitted_at": "2026-05-01T12:00:00+09:00",
        }
    )
    return [
        Route("GET /v1/programs?limit=50", "/v1/programs?limit=50", plain=True),
        Route("GET /v1/programs/{id}", f"/v1/programs/{program_id}"),
        Route("POST /v1/feedback", "/v1/feedback", post=feedback),
        Route("GET /v1/changes (50)", "/v1/changes?types=program&limit=50"),
    ]


def _answer(server: Server, route: Route, key: str) -> object:
    headers = {"Authorization": f"Bearer {key}"}
    if route.post is None:
        response = httpx.get(f"{server.url}{route.path}", headers=headers)
    else:
        response = httpx.post(
            f"{server.url}{route.path}",
            headers=headers | {"Content-Type": "application/json"},
            content=route.post,
        )
    if not response.is_success:
        sys.exit(f"{server.name} answered {route.label} with {response.status_code}")
    body = response.json()
    if route.post is not None:
        return {name: value for name, value in body.items() if name not in PER_SUBMISSION}
    return body


def _servers_of(route: Route, servers: dict[str, Server]) -> list[Server]:
    names = [SERVICE, REFERENCE, *([SQLMODEL] if route.plain else [])]
    return [servers[name] for name in names]


def _check_same_answers(servers: dict[str, Server], routes: list[Route], key: str) -> None:
    """A reference is a fair one only if it answers what the service answers."""
    for route in routes:
        service, *others = _servers_of(route, servers)
        expected = _answer(service, route, key)
        for other in others:
            answer = _answer(other, route, key)
            if answer != expected:
                sys.exit(
                    f"{route.label}: the {other.name} answers differently\n"
                    f"service: {json.dumps(expected)[:2000]}\n"
                    f"{other.name}: {json.dumps(answer)[:2000]}"
                )


Rounds = dict[str, list[dict[str, Measured]]]


def _load(
    server: Server, route: Route, key: str, args: argparse.Namespace, *, saturate: bool = False
) -> Measured:
    """wrk on one route of one server, with the run's connections and duration (or those of
    saturation)."""
    return run_wrk(
        f"{server.url}{route.path}",
        key=key,
        connections=args.saturate_connections if saturate else args.connections,
        threads=args.threads,
        duration=args.saturate_seconds if saturate else args.duration,
        post=route.post,
        cpus=args.wrk_cpu,
    )


def _measure(
    servers: dict[str, Server], routes: list[Route], key: str, args: argparse.Namespace
) -> Rounds:
    """Per route, a round's measure of each server; each round loads the servers in turn."""
    results: Rounds = {route.label: [] for route in routes}
    for round_number in range(1, args.rounds + 1):
        for route in routes:
            measured = {
                server.name: _load(server, route, key, args)
                for server in _servers_of(route, servers)
            }
            results[route.label].append(measured)
            rates = "  ".join(f"{name} {m.per_second:.1f}" for name, m in measured.items())
            print(f"round {round_number} {route.label}: {rates} req/s", flush=True)
    return results


Saturated = dict[str, Measured]


def _saturate(
    service: Server, routes: list[Route], key: str, args: argparse.Namespace
) -> Saturated:
    """The list and the POST on the service alone, with many more clients than connections."""
    loaded = [route for route in routes if route.plain or route.post is not None]
    return {route.label: _load(service, route, key, args, saturate=True) for route in loaded}


def _report_saturation(saturated: Saturated, args: argparse.Namespace) -> bool:
    """Prints the saturation runs; whether every answer was 2xx with p99 under ten times p50."""
    if not saturated:
        return True
    print(
        f"\nThe service alone, {args.saturate_connections} connections for "
        f"{args.saturate_seconds} s per route:\n"
    )
    print("| route | req/s | p50 | p99 | p99 / p50 | non-2xx |\n|---|---:|---:|---:|---:|---:|")
    held = True
    for label, measured in saturated.items():
        spread = measured.p99_ms / measured.p50_ms
        refused = measured.non_2xx + measured.socket_errors
        print(
            f"| `{label}` | {measured.per_second:,.0f} | {measured.p50_ms:.1f} ms | "
            f"{measured.p99_ms:.1f} ms | {spread:.1f} | {refused} |"
        )
        held = held and refused == 0 and spread < 10
    return held


def _report(results: Rounds, args: argparse.Namespace) -> None:
    print(
        f"\nPostgreSQL; each server one Uvicorn process on CPU {args.server_cpu}; wrk on CPU "
        f"{args.wrk_cpu}, {args.connections} connections, {args.threads} thread(s); "
        f"{args.rounds} rounds of {args.duration} s per route and server; medians of the rounds; "
        "ratio: of each round's requests/s to the reference's.\n"
    )
    print("| route | server | req/s | ratio |\n|---|---|---:|---:|")
    failed = False
    for label, rounds in results.items():
        for name in rounds[0]:
            rate = statistics.median(measured[name].per_second for measured in rounds)
            ratio = statistics.median(
                measured[name].per_second / measured[REFERENCE].per_second for measured in rounds
            )
            shown = "" if name == REFERENCE else f"{ratio:.3f}"
            print(f"| `{label}` | {name} | {rate:,.0f} | {shown} |")
        failed = failed or any(
            m.non_2xx or m.socket_errors for measured in rounds for m in measured.values()
        )
    if failed:
        sys.exit("some answers were not 2xx (or connections failed)")


@contextmanager
def _serving(database_url: str, app: str, name: str, cpu: str) -> Iterator[Server]:
    port = free_port()
    server = start_server(database_url, port, quiet=True, app=app, cpus=cpu)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, server)
        yield Server(name, url)
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _run(args: argparse.Namespace) -> tuple[Rounds, Saturated]:
    async with scratch_database() as database_url:
        program_id, key = await _arrange(database_url, args.programs, args.feedback)
        routes = _routes(program_id)
        cpu = args.server_cpu
        with (
            _serving(database_url, SERVICE_APP, SERVICE, cpu) as service,
            _serving(database_url, REFERENCE_APP, REFERENCE, cpu) as reference,
            _serving(database_url, SQLMODEL_APP, SQLMODEL, cpu) as plain,
        ):
            servers = {server.name: server for server in (service, reference, plain)}
            await asyncio.to_thread(_check_same_answers, servers, routes, key)
            rounds = await asyncio.to_thread(_measure, servers, routes, key, args)
            saturated: Saturated = {}
            if args.saturate_seconds > 0:
                saturated = await asyncio.to_thread(_saturate, service, routes, key, args)
            return rounds, saturated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--server-cpu", default="0", help="CPU both servers are pinned to")
    parser.add_argument("--wrk-cpu", default="1", help="CPU wrk is pinned to")
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--feedback", type=int, default=200, help="feedback rows stored first")
    parser.add_argument("--saturate-seconds", type=int, default=60, help="0 skips saturation")
    parser.add_argument("--saturate-connections", type=int, default=64)
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed.")
    rounds, saturated = asyncio.run(_run(args))
    held = _report_saturation(saturated, args)
    _report(rounds, args)
    if not held:
        sys.exit("under saturation some answers were not 2xx, or p99 reached ten times p50")


if __name__ == "__main__":
    main()
