"""Database engine, sessions and the column types every table shares."""

import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar, cast

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar
from uuid6 import uuid7

from sofifi_api.config import Settings, get_settings

# Stable constraint names, so that migrations can drop and alter them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """Time-ordered UUIDv7: ids sort by creation, which keeps keyset pages stable."""
    return uuid7()


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` UUIDv7s in increasing order, for bulk inserts: one clock reading and one random
    draw, the random part counting up (RFC 9562 §6.2, method 2), far faster than one by one."""
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    head = (millis << 80) | (0x7 << 76) | ((random >> 68) << 64) | (0b10 << 62)
    # 61 random bits leave room to count up within the 62-bit field.
    start = random & ((1 << 61) - 1)
    return [uuid.UUID(int=head | (start + offset)) for offset in range(count)]


class KeyText(sa.sql.expression.FunctionElement[str]):
    """SQL: a key column as the text the API shows it, as `resource_id`s store it (a UUID in
    its hyphenated form, which SQLite keeps as 32 hex digits)."""

    type = sa.String()
    inherit_cache = True


@compiles(KeyText)
def _key_text(element: KeyText, compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    text = f"CAST({compiler.process(column, **kw)} AS VARCHAR)"
    if not isinstance(column.type, sa.Uuid) or compiler.dialect.name == "postgresql":
        return text
    pieces = " || '-' || ".join(
        f"substr({text}, {start}, {length})"
        for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    )
    return f"lower({pieces})"


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite stores text; a fixed zone-less form keeps string order equal to time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TimestampedTable(SQLModel):
    """Columns every stored resource has: an opaque id, its history and its tombstone."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


def tombstone(row: Any, at: datetime) -> None:
    """Marks a row deleted; it is kept, so that systems syncing by `updated_since` learn of it."""
    row.deleted_at = at
    row.updated_at = at


Statement = TypeVar("Statement", bound=Select[Any] | SelectOfScalar[Any])


def sync_window(
    statement: Statement, table: Any, *, updated_since: datetime | None, include_deleted: bool
) -> Statement:
    """The rows a list shows: changed at or after `updated_since`, tombstones only if asked."""
    if not include_deleted:
        statement = cast(Statement, statement.where(table.deleted_at.is_(None)))
    if updated_since is not None:
        statement = cast(Statement, statement.where(table.updated_at >= updated_since))
    return statement


def async_url(url: str) -> URL:
    """Give plain `postgresql://` and `sqlite://` URLs their async driver."""
    parsed = make_url(url)
    driver = {
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    if parsed.drivername == "postgresql+asyncpg" and "sslmode" in parsed.query:
        query = dict(parsed.query)
        query["ssl"] = query.pop("sslmode")
        parsed = parsed.set(query=query)
    return parsed


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the service waits on its database before answering 503 (see config.py)."""

    connect: float
    statement: float
    pool: float

    @classmethod
    def of(cls, settings: Settings) -> "DatabaseTimeouts":
        return cls(
            connect=settings.db_connect_timeout_seconds,
            statement=settings.db_statement_timeout_seconds,
            pool=settings.db_pool_timeout_seconds,
        )


# The client gives up a moment after the server's own statement timeout: a database that
# answers cancels the statement itself (and the connection stays usable); one that does not
# answer is given up on.
_CLIENT_TIMEOUT_MARGIN_SECONDS = 0.5


def create_engine(
    url: str | None = None, *, timeouts: DatabaseTimeouts | None = None, **kwargs: Any
) -> AsyncEngine:
    """An engine on `url`; with `timeouts` (the serving engine, not migrations), a database that
    refuses, stalls or is saturated fails a request quickly instead of holding it."""
    settings = get_settings()
    target = async_url(url or settings.database_url)
    if target.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": 30})
        if target.database and target.database != ":memory:":
            from pathlib import Path

            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
    elif timeouts is not None:
        kwargs.setdefault(
            "connect_args",
            {
                "timeout": timeouts.connect,
                "command_timeout": timeouts.statement + _CLIENT_TIMEOUT_MARGIN_SECONDS,
                "server_settings": {
                    "statement_timeout": str(max(1, round(timeouts.statement * 1000)))
                },
            },
        )
    if timeouts is not None and target.database != ":memory:":
        kwargs.setdefault("pool_timeout", timeouts.pool)
        if target.get_backend_name() != "sqlite":
            kwargs.setdefault("pool_size", settings.db_pool_size)
    # hide_parameters: bound values (a NIK, a phone number) never reach logs or error text.
    engine = create_async_engine(target, echo=settings.db_echo, hide_parameters=True, **kwargs)
    if target.get_backend_name() == "sqlite":
        _use_real_sqlite_transactions(engine)
    else:
        _give_up_on_unresponsive_connections(engine)
        _check_connections_at_checkout(engine)
    return engine


def _check_connections_at_checkout(engine: AsyncEngine) -> None:
    """A pooled connection the database closed (it restarted, or a proxy cut the connection)
    is replaced before a request gets it, so the service serves again as soon as the database
    does. The driver knows without asking: the close reached its socket. SQLAlchemy's
    `pool_pre_ping` asks the database instead, in three round trips on every request (a
    transaction of its own around an empty statement, for pgbouncer). A connection that went
    silent without closing fails its request's first statement at the statement timeout
    (503), which retires every pooled connection opened before."""

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.driver_connection.is_closed():
            # The pool invalidates the connection and checks out another (or a new) one.
            raise sa.exc.DisconnectionError("the database closed this connection")


def _give_up_on_unresponsive_connections(engine: AsyncEngine) -> None:
    """A connection that timed out or failed at the socket is dropped at once: it may be
    mid-statement, and a database that does not answer would hold a rollback or a polite
    close as long as it held the statement."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def on_error(context: sa.engine.ExceptionContext) -> None:
        if isinstance(context.original_exception, OSError):
            context.is_disconnect = True

    @event.listens_for(engine.sync_engine, "invalidate")
    def on_invalidate(dbapi_connection: Any, _record: Any, _exception: Any) -> None:
        # Aborted here, the driver's close that follows has nothing left to wait for.
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and not driver.is_closed():
            driver.terminate()


# Execution option: on SQLite, begin the transaction holding the write lock.
SQLITE_BEGIN_IMMEDIATE = "sofifi_sqlite_begin_immediate"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def begin_writing(session: AsyncSession) -> AsyncConnection:
    """The session's connection, its transaction begun as a writer's: on SQLite it holds the
    write lock from BEGIN, so concurrent writers queue on busy_timeout instead of failing (a
    read transaction cannot take the lock later once another writer has committed)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    return await session.connection(
        execution_options={SQLITE_BEGIN_IMMEDIATE: True} if sqlite else None
    )


# Attribute of a route's endpoint that writes although its method is safe.
_WRITES_ATTRIBUTE = "sofifi_writes_on_safe_method"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes_on_safe_method(endpoint: Endpoint) -> Endpoint:
    """Marks a GET route that writes (a participant's GET records who was shown personal data):
    on SQLite its transaction must hold the write lock from BEGIN, like any write's. Begun as a
    read, it could not write once another request had committed since (SQLITE_BUSY_SNAPSHOT,
    which no busy_timeout waits out: a 503)."""
    setattr(endpoint, _WRITES_ATTRIBUTE, True)
    return endpoint


def _writes(request: Request) -> bool:
    endpoint = request.scope.get("endpoint")
    return request.method not in _SAFE_METHODS or getattr(endpoint, _WRITES_ATTRIBUTE, False)


def _use_real_sqlite_transactions(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, issue BEGIN, so SAVEPOINTs and atomic writes work.

    Recipe from the SQLAlchemy SQLite dialect documentation ("Serializable isolation").
    """

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        # A read transaction that later writes fails at once ("database is locked") if another
        # writer holds the lock, busy_timeout or not; one that takes the lock at BEGIN waits.
        immediate = connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine and session factory one application instance uses."""

    def __init__(self, url: str | None = None, *, timeouts: DatabaseTimeouts | None = None) -> None:
        # Every table on the metadata, whichever entry point got here (the app, a CLI command,
        # the demo): a flush orders its inserts by foreign keys and fails on a table it has
        # never heard of (e.g. feedback -> surveys).
        import sofifi_api.models  # noqa: F401

        self.engine = create_engine(url, timeouts=timeouts or DatabaseTimeouts.of(get_settings()))
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # The same pool; on PostgreSQL its connections run each statement on its own.
        self.reading_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        # Exports hold a connection for as long as their client reads: a pool of their own, as
        # large as the exports allowed at once, so that they never take the requests'.
        self.export_engine = create_engine(
            url, pool_size=get_settings().export_streams_total, max_overflow=0
        )

    async def dispose(self) -> None:
        await self.export_engine.dispose()
        await self.engine.dispose()


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back on error."""
    database = get_database(request)
    async with database.sessionmaker() as session:
        # On PostgreSQL the connection is still taken at the first statement, not here.
        if _writes(request) and database.engine.dialect.name == "sqlite":
            await begin_writing(session)
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionOpener = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def session_opener(app: FastAPI) -> SessionOpener:
    """Short sessions for middleware, from the provider the routes' sessions come from (so an
    override of `get_session`, such as a test's transaction, covers them too)."""
    override: Callable[[], AsyncIterator[AsyncSession]] | None = app.dependency_overrides.get(
        get_session
    )
    if override is not None:
        return asynccontextmanager(override)
    database: Database = app.state.database
    return database.sessionmaker


# What a request's session carries for the audit trail: the client's principal (set by the
# authentication middleware on `request.state`) and the request id.
SESSION_PRINCIPAL = "principal"
SESSION_REQUEST_ID = "request_id"


async def request_session(
    request: Request,
    # scope="function": the commit happens before the response is sent, so a client never
    # sees a success for a write that failed to commit.
    session: Annotated[AsyncSession, Depends(get_session, scope="function")],
) -> AsyncSession:
    """The request's session, naming the client and the request of every write it makes.
    Authentication runs before any route dependency asks for it."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        session.info[SESSION_PRINCIPAL] = principal
    session.info[SESSION_REQUEST_ID] = getattr(request.state, "request_id", "")
    return session


SessionDep = Annotated[AsyncSession, Depends(request_session)]


async def reading_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A connection for a route answered by one SELECT (the shared read path), without an ORM
    session: on PostgreSQL in autocommit, so no BEGIN and COMMIT round trips surround the
    statement. One statement sees one snapshot either way; a route that reads more than once,
    or writes, takes the session."""
    async with get_database(request).reading_engine.connect() as connection:
        yield connection


# scope="function": the connection goes back to the pool when the route returns, not after the
# answer is sent; a client reading slowly holds none.
ReadingDep = Annotated[AsyncConnection, Depends(reading_connection, scope="function")]


def _array_item_type(column_type: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """The type a column's values travel as in an unnest() array parameter."""
    if isinstance(column_type, UTCDateTime):
        return sa.DateTime(timezone=True)
    if isinstance(column_type, sa.JSON):
        return sa.Text()  # serialised here and cast back to JSON in the SELECT
    return column_type


def unnest_rows(
    table: sa.Table, rows: list[dict[str, Any]], **extra: tuple[sa.types.TypeEngine[Any], list[Any]]
) -> tuple[sa.Select[Any], dict[str, Any]]:
    """PostgreSQL: a SELECT yielding `rows` (every row names the same columns of `table`), and
    the parameters to run it with. Each column whose value varies travels as one array,
    expanded by `unnest()`: one parameter per column instead of one per value, which
    PostgreSQL plans and binds far faster than a multi-row VALUES. A value all rows share (a
    timestamp, the client, a status) travels once. `extra` adds per-row values that are not
    columns of the table, as `name=(type, values)`; the SELECT names its columns. Parameter
    names start with the table's name, so that two such SELECTs can share a statement."""
    from sqlalchemy.dialects import postgresql

    types = {name: table.c[name].type for name in rows[0]}
    values = {name: [row[name] for row in rows] for name in types}
    for name, (extra_type, extra_values) in extra.items():
        types[name], values[name] = extra_type, extra_values
    params: dict[str, Any] = {}
    arrays: dict[str, sa.ColumnElement[Any]] = {}
    shared: dict[str, sa.ColumnElement[Any]] = {}
    for name, column_type in types.items():
        first = values[name][0]
        if all(value == first for value in values[name]):
            shared[name] = sa.cast(
                sa.bindparam(f"{table.name}_{name}", first, type_=column_type), column_type
            )
            continue
        item_type = _array_item_type(column_type)
        params[f"{table.name}_{name}"] = (
            [None if value is None else json.dumps(value) for value in values[name]]
            if isinstance(column_type, sa.JSON)
            else values[name]
        )
        array_type = postgresql.ARRAY(item_type)
        arrays[name] = sa.cast(sa.bindparam(f"{table.name}_{name}", type_=array_type), array_type)
    derived = sa.func.unnest(*arrays.values()).table_valued(*arrays).render_derived(name="rows")
    selected = [
        (
            shared[name]
            if name in shared
            else sa.cast(derived.c[name], column_type)
            if isinstance(column_type, sa.JSON)
            else derived.c[name]
        ).label(name)
        for name, column_type in types.items()
    ]
    statement = sa.select(*selected)
    return (statement.select_from(derived) if arrays else statement), params


async def insert_rows(
    connection: AsyncConnection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    skip_conflicts: bool = False,
    returning: sa.Column[Any] | None = None,
) -> list[Any]:
    """Insert many rows with one statement; every row names the same columns.

    `skip_conflicts` leaves out rows that would break a unique constraint (ON CONFLICT DO
    NOTHING), so `returning` lists only the rows inserted. PostgreSQL gets
    `INSERT ... SELECT ... FROM unnest(...)` (see `unnest_rows`)."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        source, params = unnest_rows(table, rows)
        pg_statement = postgresql.insert(table).from_select(
            list(rows[0]), source, include_defaults=False
        )
        if skip_conflicts:
            pg_statement = pg_statement.on_conflict_do_nothing()
        if returning is not None:
            result = await connection.execute(pg_statement.returning(returning), params)
            return list(result.scalars().all())
        await connection.execute(pg_statement, params)
        return []
    from sqlalchemy.dialects import sqlite

    sqlite_statement = sqlite.insert(table)
    if skip_conflicts:
        sqlite_statement = sqlite_statement.on_conflict_do_nothing()
    if returning is not None:
        result = await connection.execute(sqlite_statement.returning(returning), rows)
        return list(result.scalars().all())
    await connection.execute(sqlite_statement, rows)
    return []
