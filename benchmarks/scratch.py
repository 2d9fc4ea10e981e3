"""What the benchmarks share: the PostgreSQL server named by the environment, a scratch
database on it (migrated, dropped afterwards) or else a SQLite file, the program the feedback
is about with an API client, the feedback table's columns for COPY, and servers under Uvicorn
measured with wrk."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database, async_url
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus

ROOT = Path(__file__).resolve().parents[1]
LUA = Path(__file__).with_name("load.lua")

# The feedback table's columns, in the order the COPY baselines give their values.
FEEDBACK_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "deleted_at",
    "program_id",
    "infrastructure_project_id",
    "rating",
    "comment",
    "area_code",
    "submitted_at",
    "client_ref",
    "received_at",
    "client_id",
    "survey_id",
    "survey_version",
    "answers",
    "status",
    "response_note",
]


def server_url() -> str:
    """`SOFIFI_BENCH_DATABASE_URL`, else `DATABASE_URL`; a PostgreSQL server is needed."""
    url = os.environ.get("SOFIFI_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set SOFIFI_BENCH_DATABASE_URL or DATABASE_URL to a postgresql:// URL.")
    return url


def plain_url(url: str) -> str:
    """The URL without a driver, as asyncpg.connect() takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin_sql(url: str, sql: str) -> None:
    admin = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(sql)
    await admin.dispose()


def _migrate(url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A new database on the server, migrated to head; its URL (async driver). Dropped after."""
    server = server_url()
    name = f"sofifi_bench_{uuid.uuid4().hex[:12]}"
    await _admin_sql(server, f'CREATE DATABASE "{name}"')
    try:
        url = async_url(server).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(_migrate, url)
        yield url
    finally:
        await _admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def scratch_database_or_file() -> AsyncIterator[str]:
    """`scratch_database()` when the environment names a PostgreSQL server (as `server_url`
    reads it), else a migrated SQLite file in a temporary directory; its URL."""
    named = os.environ.get("SOFIFI_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if named.startswith("postgres"):
        async with scratch_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="sofifi-bench-") as directory:
        url = f"sqlite:///{directory}/bench.db"
        await asyncio.to_thread(_migrate, url)
        yield url


async def program_and_client(
    database: Database, *, name: str, scope: str | Sequence[str]
) -> tuple[uuid.UUID, str]:
    """A program for feedback to be about, and the key of an API client with `scope` (or each
    of several scopes) and no practical rate limit."""
    async with database.sessionmaker() as session:
        lead = Organization(name="Dinas Koperasi Maluku Utara", kind=OrganizationKind.government)
        session.add(lead)
        await session.flush()
        program = Program(
            title="Pelatihan anyaman bambu",
            category=ProgramCategory.education_skills,
            status=ProgramStatus.active,
            lead_organization_id=lead.id,
        )
        session.add(program)
        issued = await clients_service.create_client(
            session,
            name=name,
            scopes=[scope] if isinstance(scope, str) else list(scope),
            rate_limit_per_minute=1_000_000,
        )
        await session.commit()
        return program.id, issued.key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SERVICE_APP = "sofifi_api.main:create_app"


def start_server(
    database_url: str,
    port: int,
    *,
    workers: int = 1,
    quiet: bool = False,
    app: str = SERVICE_APP,
    cpus: str | None = None,
) -> subprocess.Popen[bytes]:
    """The service (or another ASGI `app` of benchmarks/, `module:attribute`) under Uvicorn on
    127.0.0.1:`port`, as a process of its own; `cpus` pins it (`taskset -c`), `quiet` drops
    its output."""
    output = subprocess.DEVNULL if quiet else None
    pinned = ["taskset", "-c", cpus] if cpus is not None else []
    target = ["--factory", app] if app == SERVICE_APP else ["--app-dir", "benchmarks", app]
    return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [
            *pinned,
            sys.executable,
            "-m",
            "uvicorn",
            *target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=os.environ | {"DATABASE_URL": database_url},
        cwd=ROOT,
        stdout=output,
        stderr=output,
    )


def wait_until_serving(url: str, server: subprocess.Popen[bytes]) -> None:
    """Returns once `url`/health answers 200; exits if the server ends or never answers."""
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


@dataclass(frozen=True)
class Measured:
    """What one wrk run counted."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def run_wrk(
    url: str,
    *,
    key: str,
    connections: int,
    threads: int,
    duration: int,
    post: str | None = None,
    cpus: str | None = None,
) -> Measured:
    """wrk on `url` with the API key, GET or (given a JSON body) `post`; `cpus` pins it."""
    command = [
        *(["taskset", "-c", cpus] if cpus is not None else []),
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=10s",
        f"--header=Authorization: Bearer {key}",
        f"--script={LUA}",
        url,
    ]
    if post is not None:
        command += ["--", "POST", post]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    measured = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    return Measured(
        requests=measured["requests"],
        seconds=measured["duration_us"] / 1e6,
        p50_ms=measured["p50_us"] / 1000,
        p99_ms=measured["p99_us"] / 1000,
        non_2xx=measured["non_2xx"],
        socket_errors=measured["socket_errors"],
    )
