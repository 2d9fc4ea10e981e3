"""A request's session on PostgreSQL: its statements run in one transaction, except on a GET
route marked as answered by one statement (`reads_in_one_statement`), which is spared the
BEGIN and COMMIT round trips. One statement sees one snapshot either way."""

from collections.abc import AsyncGenerator, Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from sofifi_api.db import Database, get_session, reads_in_one_statement


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("SQLite reads always run in a transaction")


async def _plain_route() -> None: ...


@reads_in_one_statement
async def _one_statement_route() -> None: ...


def _request(database: Database, method: str, endpoint: Callable[..., Any]) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(database=database))
    return Request({"type": "http", "method": method, "endpoint": endpoint, "app": app})


async def _in_transaction_after_a_statement(
    database: Database, method: str, endpoint: Callable[..., Any]
) -> bool:
    """Whether the driver's connection is inside a transaction after the session's first
    statement."""
    sessions = cast(
        AsyncGenerator[AsyncSession, None], get_session(_request(database, method, endpoint))
    )
    session = await anext(sessions)
    try:
        connection = await session.connection()
        await connection.exec_driver_sql("SELECT 1")
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        in_transaction: bool = driver.is_in_transaction()
        return in_transaction
    finally:
        await sessions.aclose()


async def test_a_read_answered_by_one_statement_runs_it_outside_a_transaction(
    database: Database,
) -> None:
    assert not await _in_transaction_after_a_statement(database, "GET", _one_statement_route)


async def test_other_reads_run_in_a_transaction(database: Database) -> None:
    assert await _in_transaction_after_a_statement(database, "GET", _plain_route)


async def test_a_write_runs_in_a_transaction_whatever_its_route_says(database: Database) -> None:
    assert await _in_transaction_after_a_statement(database, "POST", _one_statement_route)
