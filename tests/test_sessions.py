"""Where a request's statements run on PostgreSQL: a route's session runs them in one
transaction; the reading connection of a route answered by one statement (`ReadingDep`) runs
it on its own, spared the BEGIN and COMMIT round trips. One statement sees one snapshot
either way."""

from collections.abc import AsyncGenerator, AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request

from sofifi_api.db import Database, get_session, reading_connection


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("SQLite reads always run in a transaction")


def _request(database: Database, method: str) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(database=database))
    return Request({"type": "http", "method": method, "app": app})


async def _in_transaction_after_a_statement(provided: AsyncIterator[Any]) -> bool:
    """Whether the driver's connection is inside a transaction after a first statement on
    what a dependency provided (a session or a connection)."""
    generator = cast(AsyncGenerator[Any, None], provided)
    given = await anext(generator)
    try:
        connection: AsyncConnection = (
            given if isinstance(given, AsyncConnection) else await given.connection()
        )
        await connection.exec_driver_sql("SELECT 1")
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        in_transaction: bool = driver.is_in_transaction()
        return in_transaction
    finally:
        await generator.aclose()


async def test_the_reading_connection_runs_its_statement_outside_a_transaction(
    database: Database,
) -> None:
    reading = reading_connection(_request(database, "GET"))

    assert not await _in_transaction_after_a_statement(reading)


async def test_the_request_session_runs_its_statements_in_a_transaction(
    database: Database,
) -> None:
    assert await _in_transaction_after_a_statement(get_session(_request(database, "GET")))
