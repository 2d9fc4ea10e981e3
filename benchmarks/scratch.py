"""What the benchmarks share: the PostgreSQL server named by the environment, a scratch
database on it (migrated, dropped afterwards), the program the feedback is about with an API
client, and the feedback table's columns for COPY."""

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database, async_url
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus

ROOT = Path(__file__).resolve().parents[1]

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


def start_server(
    database_url: str, port: int, *, workers: int = 1, quiet: bool = False
) -> subprocess.Popen[bytes]:
    """The service under Uvicorn on 127.0.0.1:`port`, as a process of its own; `quiet` drops
    its output."""
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "sofifi_api.main:create_app",
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
