"""On PostgreSQL the hot read paths and exports hand their statements to the driver: with the
values SQLAlchemy would send, and failing as SQLAlchemy would."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from sofifi_api.db import UTCDateTime
from sofifi_api.driver import driver_statement, fetch
from sofifi_api.feedback.models import Feedback

DIALECT = make_url("postgresql+asyncpg://").get_dialect()()
KEY = sa.bindparam("key", type_=sa.Uuid)


def test_each_value_of_a_list_is_a_parameter_of_its_own() -> None:
    wanted = [uuid.uuid4(), uuid.uuid4()]
    statement = select(Feedback.id).where(col(Feedback.program_id).in_(wanted))

    query = driver_statement(statement, DIALECT)

    assert "IN ($1::UUID, $2::UUID)" in query.sql
    assert query.arguments() == wanted


def test_values_go_through_their_types_processing() -> None:
    # The column's type stores every timestamp in UTC.
    since = datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=9)))
    statement = select(Feedback.id).where(col(Feedback.updated_at) >= since)

    query = driver_statement(statement, DIALECT)

    assert "feedback.updated_at >= $1" in query.sql
    assert query.arguments() == [since]
    assert query.arguments()[0].tzinfo is UTC


def test_values_given_at_execution_take_their_parameters_places() -> None:
    listed = [uuid.uuid4()]
    statement = select(Feedback.id).where(
        col(Feedback.id) == KEY, col(Feedback.program_id).in_(listed)
    )
    key = uuid.uuid4()

    query = driver_statement(statement, DIALECT)

    assert query.arguments({"key": key}) == [key, *listed]


def test_a_value_given_at_execution_goes_through_its_types_processing() -> None:
    since = datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=9)))
    statement = select(Feedback.id).where(
        col(Feedback.updated_at) >= sa.bindparam("since", type_=UTCDateTime())
    )

    (sent,) = driver_statement(statement, DIALECT).arguments({"since": since})

    assert sent == since
    assert sent.tzinfo is UTC


@pytest.fixture
def postgresql(connection: AsyncConnection) -> AsyncConnection:
    if connection.dialect.name != "postgresql":
        pytest.skip("the driver runs statements itself on PostgreSQL only")
    return connection


async def test_the_driver_reads_in_the_connections_transaction(postgresql: AsyncConnection) -> None:
    await postgresql.execute(sa.text("CREATE TEMPORARY TABLE seen (n integer)"))
    await postgresql.execute(sa.text("INSERT INTO seen VALUES (1), (2)"))
    n = sa.column("n", sa.Integer)
    statement = sa.select(n).select_from(sa.table("seen")).order_by(n)

    rows = await fetch(postgresql, driver_statement(statement, postgresql.dialect), {})

    assert [tuple(row) for row in rows] == [(1,), (2,)]


async def test_a_database_error_is_raised_as_sqlalchemy_raises_it(
    postgresql: AsyncConnection,
) -> None:
    statement: sa.Select[tuple[int]] = sa.select(
        sa.literal(1) / sa.bindparam("zero", type_=sa.Integer)
    )

    with pytest.raises(DBAPIError) as raised:
        await fetch(postgresql, driver_statement(statement, postgresql.dialect), {"zero": 0})

    assert raised.value.orig.sqlstate == "22012"  # type: ignore[union-attr]  # division by zero
