"""Test harness: one migrated database per run, one rolled-back transaction per test.

The suite runs on SQLite by default. Set SOFIFI_TEST_DATABASE_URL to a PostgreSQL URL
(for example postgresql://postgres@127.0.0.1:5432/test) to run the same tests there: a
database of its own is created for the run next to the one named, and dropped afterwards.
"""

import asyncio
import math
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.cache import grant_cache
from sofifi_api.auth.throttle import FailureLimits
from sofifi_api.clients import service as clients_service
from sofifi_api.config import get_settings
from sofifi_api.db import Database, async_url, get_session, reading_connection
from sofifi_api.exports.streams import ExportStreams
from sofifi_api.main import create_app
from sofifi_api.ratelimit.limiter import build_rate_limiter

ROOT = Path(__file__).resolve().parents[1]
# A key of the suite's own, so no test generates one into the repository's var/.
os.environ.setdefault("SOFIFI_SECRET_KEY", "sofifi-test-suite-secret-key-not-for-production")
# Generous database timeouts: on a loaded machine, concurrency tests wait on locks and on the
# pool for seconds, which must not turn into 503s. tests/faults sets short ones for its server.
# Tests drive the webhook engine themselves (tests/webhooks), on committed data of their own.
os.environ.setdefault("SOFIFI_WEBHOOK_DELIVERY", "off")
for _timeout in ("CONNECT", "STATEMENT", "POOL"):
    os.environ.setdefault(f"SOFIFI_DB_{_timeout}_TIMEOUT_SECONDS", "60")


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


async def _create_postgres_database(base_url: str) -> str:
    url = async_url(base_url)
    name = f"sofifi_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(base_url: str, test_url: str) -> None:
    admin = create_async_engine(async_url(base_url), isolation_level="AUTOCOMMIT")
    name = make_url(test_url).database
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this run (SQLite file, or a new PostgreSQL database)."""
    base_url = os.environ.get("SOFIFI_TEST_DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'sofifi-test.db'}"
        return
    test_url = asyncio.run(_create_postgres_database(base_url))
    try:
        yield test_url
    finally:
        asyncio.run(_drop_postgres_database(base_url, test_url))


@pytest.fixture
def command_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the run's kind, the one `sofifi-api` commands run in this process
    (with typer's CliRunner) work on."""
    from tests.databases import fresh_database

    with fresh_database(tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            yield url
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgres")


@pytest.fixture(scope="session")
def migrated_url(database_url: str) -> str:
    command.upgrade(alembic_config(database_url), "head")
    return database_url


@pytest.fixture(scope="session")
async def database(migrated_url: str) -> AsyncIterator[Database]:
    db = Database(migrated_url)
    yield db
    await db.dispose()


@pytest.fixture
async def connection(database: Database) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with database.engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data; it sees what requests wrote."""
    async with AsyncSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as db_session:
        yield db_session


class TestTransaction:
    """The connection (inside the running test's transaction) that requests' sessions join."""

    connection: AsyncConnection | None = None

    async def session(self) -> AsyncIterator[AsyncSession]:
        assert self.connection is not None, "a request outside a test"
        async with AsyncSession(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as request_session:
            try:
                yield request_session
                await request_session.commit()
            except BaseException:
                await request_session.rollback()
                raise

    async def reading_connection(self) -> AsyncIterator[AsyncConnection]:
        assert self.connection is not None, "a request outside a test"
        yield self.connection


def build_app(database: Database, transaction: TestTransaction) -> FastAPI:
    """The application, with every request's session and reads inside the test's
    transaction."""
    application = create_app(database)
    application.dependency_overrides[get_session] = transaction.session
    application.dependency_overrides[reading_connection] = transaction.reading_connection
    return application


@pytest.fixture(scope="session")
def test_transaction() -> TestTransaction:
    return TestTransaction()


@pytest.fixture(scope="session")
def shared_app(database: Database, test_transaction: TestTransaction) -> FastAPI:
    """One application per test process: FastAPI prepares each route of an application at its
    first request (dependencies, validation models), which costs more than most tests."""
    return build_app(database, test_transaction)


@pytest.fixture
def app(
    shared_app: FastAPI, connection: AsyncConnection, test_transaction: TestTransaction
) -> Iterator[FastAPI]:
    """The application, as if new: its state and dependency overrides are restored after the
    test, and its counters (rate limits, export streams) start from zero."""
    state, overrides = dict(shared_app.state._state), dict(shared_app.dependency_overrides)
    settings = get_settings()
    shared_app.state.rate_limiter = build_rate_limiter(settings)
    shared_app.state.export_streams = ExportStreams.of(settings)
    # Tests send many wrong credentials from one address; tests/ratelimit/test_authentication.py
    # holds the applications that keep the real limits (low ones, to reach them).
    shared_app.state.failed_auth_limits = FailureLimits(per_address=100_000, per_client=100_000)
    # Grants are held until a change clears them, not for half a second: the queries a request
    # makes do not depend on the machine's speed, and a change that failed to clear them would
    # fail the tests that follow it. tests/auth/test_across_processes.py keeps the real hold.
    grant_cache.clear()
    held_for, grant_cache.hold_seconds = grant_cache.hold_seconds, math.inf
    test_transaction.connection = connection
    yield shared_app
    grant_cache.hold_seconds = held_for
    test_transaction.connection = None
    shared_app.state._state.clear()
    shared_app.state._state.update(state)
    shared_app.dependency_overrides.clear()
    shared_app.dependency_overrides.update(overrides)


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that sends no credential."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(app: FastAPI, session: AsyncSession) -> AsyncIterator[ClientFactory]:
    """Issues an API key with the given scopes (and areas) and returns an HTTP client using it."""
    opened: list[httpx.AsyncClient] = []

    async def make(
        *scopes: str, area_codes: Sequence[str] = (), name: str = "Test partner"
    ) -> httpx.AsyncClient:
        issued = await clients_service.create_client(
            session, name=name, scopes=list(scopes), area_codes=area_codes
        )
        await session.flush()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        http = httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {issued.key}"},
        )
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    """An HTTP client acting for an admin partner: every scope, every area."""
    return await make_client("admin", name="Test admin")


class QueryCounter:
    """Counts the SQL statements sent on a connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1


@pytest.fixture
def count_queries(connection: AsyncConnection) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    sync_connection = connection.sync_connection
    assert sync_connection is not None
    event.listen(sync_connection, "before_cursor_execute", counter)
    yield counter
    event.remove(sync_connection, "before_cursor_execute", counter)
