"""Statements run by PostgreSQL's driver itself, past SQLAlchemy's execution and result layers,
where a hot path can't afford them: a single read, an export's cursor.

SQLAlchemy still builds and compiles the statement and lends the pooled connection (inside
the request's transaction, if it has one); the driver runs it and hands back its records.
Failures reach the error handlers as SQLAlchemy's would: the database's errors as `DBAPIError`
(SQLSTATE decides 422, 503 or 500), and a connection that failed at the socket or timed out
(`OSError`: 503) is dropped, never pooled again.
"""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class DriverStatement:
    """SQL with numbered parameters, and for each number the parameter's name, the processor
    SQLAlchemy sends its values through, and the value the statement itself holds (a list it
    was built with, already expanded), if any."""

    sql: str
    parameters: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]

    def arguments(self, values: Mapping[str, Any] | None = None) -> list[Any]:
        """The values to send, numbered: those given by name, the statement's own otherwise."""
        given = values or {}
        arguments = []
        for name, process, held in self.parameters:
            value = given.get(name, held)
            arguments.append(value if process is None else process(value))
        return arguments


def driver_statement(statement: Any, dialect: Dialect) -> DriverStatement:
    """The statement as the driver takes it. Values given at execution replace parameters by
    name; a list parameter keeps the values the statement was built with."""
    compiled = statement.compile(dialect=dialect)
    # Parameters given only at execution hold None here; the lists are expanded.
    unset = {name: None for name, bind in compiled.binds.items() if bind.required}
    expanded = compiled.construct_expanded_state(unset)
    # Each value of a list is a parameter of its own, processed as the list's type says.
    bound_as = {name: name for name in compiled.binds}
    for listed, names in expanded.parameter_expansion.items():
        bound_as.update(dict.fromkeys(names, listed))
    parameters = []
    for name in expanded.positiontup or ():
        bind_type = compiled.binds[bound_as[name]].type
        process = bind_type.dialect_impl(dialect).bind_processor(dialect)
        parameters.append((name, process, expanded.parameters[name]))
    return DriverStatement(expanded.statement, tuple(parameters))


# Statements built once (the read path keeps its items') are compiled once.
kept_driver_statement = lru_cache(maxsize=512)(driver_statement)


@asynccontextmanager
async def driver_errors(connection: AsyncConnection, sql: str) -> AsyncIterator[None]:
    """The driver's failures as SQLAlchemy would raise them (and then drop the connection)."""
    try:
        yield
    except asyncpg.PostgresError as error:
        raise DBAPIError(sql, None, error) from error
    except OSError:
        # Timed out or cut mid-statement: the pool must not lend this connection again.
        await connection.invalidate()
        raise


async def fetch(
    connection: AsyncConnection, statement: DriverStatement, values: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The records `statement` selects, run by the driver on the connection's own."""
    # Held by the connection since it was begun: no round trip to reach it.
    driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert driver is not None, "an open connection has its driver's"
    async with driver_errors(connection, statement.sql):
        records: Sequence[Sequence[Any]] = await driver.fetch(
            statement.sql, *statement.arguments(values)
        )
    return records
