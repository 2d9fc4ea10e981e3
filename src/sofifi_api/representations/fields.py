"""The fields of a representation: what SQL selects each one, and how its value is written.

An item is built from the selected values of one row (`item_builder`), for a list, a single
read and an export alike. The work is shared with PostgreSQL where it does it faster: it writes
timestamps in the API's form itself (`selected`). Either way the value is the one Python would
write.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, auto
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


class Kind(Enum):
    """How a selected value becomes a JSON value of the item."""

    TEXT = auto()
    ID = auto()
    INTEGER = auto()
    NUMBER = auto()
    BOOLEAN = auto()
    TIMESTAMP = auto()
    DATE = auto()
    JSON = auto()  # stored JSON, kept as stored
    DERIVED = auto()  # computed in Python from one or more selected values


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    columns: tuple[ColumnElement[Any], ...]
    derive: Callable[..., Any] | None = None

    def written_by_database(self, dialect: str) -> bool:
        """On PostgreSQL a timestamp comes already written (`rfc3339`): the database does it
        in a fraction of the time Python takes to decode and write it."""
        return self.kind is Kind.TIMESTAMP and dialect == "postgresql"

    def selected(self, dialect: str) -> tuple[ColumnElement[Any], ...]:
        """What the SELECT lists for this field: stored JSON comes as its text, a timestamp
        the database writes as that text."""
        if self.kind is Kind.JSON:
            return (sa.cast(self.columns[0], sa.Text),)
        if self.written_by_database(dialect):
            return (timestamp_text(self.columns[0]),)
        return self.columns


def field(name: str, column: Any, kind: Kind) -> Field:
    return Field(name, kind, (column,))


def derived(name: str, derive: Callable[..., Any], *columns: Any) -> Field:
    """A field computed from the values of `columns`, in that order."""
    return Field(name, Kind.DERIVED, tuple(columns), derive)


def rfc3339(value: datetime) -> str:
    """A UTC timestamp as the API writes it: `2026-05-01T03:00:00Z`, microseconds if any."""
    return value.isoformat().replace("+00:00", "Z")


def stored_json(text: str | None) -> msgspec.Raw | None:
    """Stored JSON as its text, to be written as stored. A JSON column holds SQL NULL or the
    JSON text `null` for None, depending on the writer."""
    return None if text is None or text == "null" else msgspec.Raw(text)


_CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.ID: str,
    Kind.TIMESTAMP: rfc3339,
    Kind.DATE: date.isoformat,
    Kind.JSON: stored_json,
}


def item_builder(
    fields: Sequence[Field], dialect: str
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function from a row of what `selected` lists (the fields' columns in order) to the
    item: ids, timestamps and dates as text, stored JSON as `msgspec.Raw`."""
    steps: list[tuple[str, int, int, Callable[..., Any] | None, bool]] = []
    position = 0
    for item_field in fields:
        width = len(item_field.columns)
        if item_field.kind is Kind.DERIVED:
            steps.append((item_field.name, position, width, item_field.derive, True))
        else:
            written = item_field.written_by_database(dialect)
            convert = None if written else _CONVERTERS.get(item_field.kind)
            steps.append((item_field.name, position, 1, convert, False))
        position += width

    def build(row: Sequence[Any]) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for name, start, width, convert, is_derived in steps:
            if is_derived:
                assert convert is not None
                item[name] = convert(*row[start : start + width])
            else:
                value = row[start]
                item[name] = value if value is None or convert is None else convert(value)
        return item

    return build


def text_literal(value: str) -> ColumnElement[str]:
    return sa.literal(value, sa.Text)


def timestamp_text(column: ColumnElement[Any]) -> ColumnElement[str]:
    """PostgreSQL: a timestamp in the API's RFC 3339 form (`rfc3339`)."""
    utc = sa.func.timezone("UTC", column)
    written = sa.func.to_char(utc, text_literal('YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    return sa.func.replace(written, text_literal(".000000Z"), text_literal("Z"))
