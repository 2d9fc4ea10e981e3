"""Calendar periods (months, ISO weeks, days) in North Maluku's local time, and the SQL that
puts a timestamp into one on SQLite and on PostgreSQL."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.statistics.models import StatisticsInterval

# Waktu Indonesia Timur (UTC+09:00, no daylight saving): days begin at local midnight.
LOCAL_OFFSET = timedelta(hours=9)
MAX_PERIODS = 366
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """A calendar period, clipped to the range asked for."""

    key: date  # the period's own first day, as the SQL bucket names it
    start: date
    end: date
    label: str


def period_key(day: date, interval: StatisticsInterval) -> date:
    if interval == StatisticsInterval.month:
        return day.replace(day=1)
    if interval == StatisticsInterval.week:
        return day - timedelta(days=day.weekday())
    return day


def _next_key(key: date, interval: StatisticsInterval) -> date:
    if interval == StatisticsInterval.month:
        return (key.replace(day=28) + timedelta(days=4)).replace(day=1)
    return key + timedelta(days=7 if interval == StatisticsInterval.week else 1)


def _label(key: date, interval: StatisticsInterval) -> str:
    if interval == StatisticsInterval.month:
        return f"{key.year:04d}-{key.month:02d}"
    if interval == StatisticsInterval.week:
        year, week, _ = key.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return key.isoformat()


def count_periods(first: date, last: date, interval: StatisticsInterval) -> int:
    """How many periods the days from `first` to `last` touch."""
    start, end = period_key(first, interval), period_key(last, interval)
    if interval == StatisticsInterval.month:
        return (end.year - start.year) * 12 + end.month - start.month + 1
    return (end - start).days // (7 if interval == StatisticsInterval.week else 1) + 1


def periods(first: date, last: date, interval: StatisticsInterval) -> list[Period]:
    """Every period from `first` to `last`, in order; the first and last may be partial."""
    found = []
    key = period_key(first, interval)
    while key <= last:
        following = _next_key(key, interval)
        found.append(
            Period(
                key=key,
                start=max(key, first),
                end=min(following - timedelta(days=1), last),
                label=_label(key, interval),
            )
        )
        key = following
    return found


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants at which local day `first` begins and local day `last` ends (exclusive)."""
    begin = datetime.combine(first, time(), tzinfo=UTC) - LOCAL_OFFSET
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC) - LOCAL_OFFSET
    return begin, end


_SQLITE_MODIFIERS = {
    StatisticsInterval.month: ("start of month",),
    # To the coming Sunday (or stay on one), then back to its Monday.
    StatisticsInterval.week: ("weekday 0", "-6 days"),
    StatisticsInterval.day: (),
}


def period_key_sql(
    timestamp: Any, interval: StatisticsInterval, dialect: str
) -> ColumnElement[date]:
    """SQL: the first day of the local period the UTC `timestamp` falls in."""
    if dialect == "postgresql":
        local = sa.func.timezone("UTC", timestamp) + LOCAL_OFFSET
        return sa.cast(sa.func.date_trunc(interval.value, local), sa.Date)
    # SQLite keeps timestamps as zone-less UTC text, which its date functions read.
    hours = int(LOCAL_OFFSET.total_seconds()) // 3600
    shifted = sa.func.date(timestamp, f"+{hours} hours", *_SQLITE_MODIFIERS[interval])
    return sa.type_coerce(shifted, sa.Date)
