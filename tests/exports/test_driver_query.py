"""On PostgreSQL an export's statement goes to the driver as SQLAlchemy would send it."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.engine import make_url
from sqlmodel import col, select

from sofifi_api.exports.service import driver_query
from sofifi_api.feedback.models import Feedback

DIALECT = make_url("postgresql+asyncpg://").get_dialect()()


def test_each_value_of_a_list_is_a_parameter_of_its_own() -> None:
    wanted = [uuid.uuid4(), uuid.uuid4()]
    statement = select(Feedback.id).where(col(Feedback.program_id).in_(wanted))

    sql, arguments = driver_query(statement, DIALECT)

    assert "IN ($1::UUID, $2::UUID)" in sql
    assert arguments == wanted


def test_values_go_through_their_types_processing() -> None:
    # The column's type stores every timestamp in UTC.
    since = datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=9)))
    statement = select(Feedback.id).where(col(Feedback.updated_at) >= since)

    sql, arguments = driver_query(statement, DIALECT)

    assert "feedback.updated_at >= $1" in sql
    assert arguments == [since]
    assert arguments[0].tzinfo is UTC
