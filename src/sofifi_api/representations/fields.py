"""The fields of an exported item: what SQL selects each one, and how its value is written.

An item is built from the selected values (`item_builder`), the way list items are. The work
is shared with PostgreSQL where it does it faster: it writes timestamps in the API's form
itself (`selected`), and for a collection whose fields are all of the simple kinds it writes
each whole CSV line (`sql_csv_line`). Either way the bytes are those Python would write.
"""

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, auto
from functools import reduce
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.exports.formats import FORMULA_STARTS


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


# The kinds whose CSV cells the database can write itself, identically to Python.
SQL_KINDS = frozenset(
    {Kind.TEXT, Kind.ID, Kind.INTEGER, Kind.BOOLEAN, Kind.TIMESTAMP, Kind.DATE, Kind.JSON}
)


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
            return (_timestamp(self.columns[0]),)
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


def sql_writable(fields: Sequence[Field]) -> bool:
    return all(item_field.kind in SQL_KINDS for item_field in fields)


def _text(value: str) -> ColumnElement[str]:
    return sa.literal(value, sa.Text)


# A line is built from SQL expressions and constant text; adjacent constants are joined before
# the statement is made, since every || the database evaluates costs time on every row.
_Part = ColumnElement[str] | str


def _concat(parts: Sequence[_Part]) -> ColumnElement[str]:
    merged: list[_Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return reduce(operator.add, [_text(part) if isinstance(part, str) else part for part in merged])


def _may_be_null(item_field: Field) -> bool:
    column = item_field.columns[0]
    return bool(getattr(getattr(column, "expression", column), "nullable", True))


def _timestamp(column: ColumnElement[Any]) -> ColumnElement[str]:
    """PostgreSQL: a timestamp in the API's RFC 3339 form (`rfc3339`)."""
    utc = sa.func.timezone("UTC", column)
    written = sa.func.to_char(utc, _text('YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    return sa.func.replace(written, _text(".000000Z"), _text("Z"))


def _text_cell(text: ColumnElement[str]) -> ColumnElement[str]:
    """`csv_cell` of text as the csv module writes it: a formula guarded, then quoted only when
    it holds a comma, a quote or a line break (the apostrophe of the guard needs no quotes).
    The guard is evaluated once per row, in the branch taken."""
    starts: sa.BindParameter[list[int]] = sa.bindparam(
        "formula_starts",
        [ord(start) for start in FORMULA_STARTS],
        expanding=True,
        literal_execute=True,
        unique=True,
    )
    formula = sa.func.ascii(text).in_(starts)  # constants, written into the statement
    guarded = sa.case((formula, _text("'") + text), else_=text)
    # LIKE is the cheapest test PostgreSQL has for a character in text.
    needs_quotes = sa.or_(
        *(text.like(_text(f"%{character}%")) for character in (",", '"', "\n", "\r"))
    )
    doubled = sa.func.replace(guarded, _text('"'), _text('""'))
    return sa.case((needs_quotes, _text('"') + doubled + _text('"')), else_=guarded)


def _boolean(column: ColumnElement[Any]) -> ColumnElement[str]:
    return sa.case((column, _text("true")), (sa.not_(column), _text("false")))


def _plain(column: ColumnElement[Any]) -> ColumnElement[str]:
    return sa.cast(column, sa.Text)


def _csv_value(item_field: Field) -> list[_Part]:
    """SQL writing the field's CSV cell as `formats.csv_cell` and the csv module write it."""
    column = item_field.columns[0]
    written: ColumnElement[str]
    match item_field.kind:
        case Kind.TEXT:
            written = _text_cell(column)
        case Kind.JSON:
            text = _plain(column)
            written = sa.case((text == _text("null"), _text("")), else_=_text_cell(text))
        case Kind.ID | Kind.INTEGER:
            written = _plain(column)
        case Kind.BOOLEAN:
            written = _boolean(column)
        case Kind.TIMESTAMP:
            written = _timestamp(column)
        case Kind.DATE:
            written = sa.func.to_char(column, _text("YYYY-MM-DD"))
        case _:
            raise ValueError(f"{item_field.name}: {item_field.kind} is not written by SQL")
    if _may_be_null(item_field):
        return [sa.func.coalesce(written, _text(""))]
    return [written]


def sql_csv_line(fields: Sequence[Field]) -> ColumnElement[str]:
    """PostgreSQL: one whole CSV line (without its line end) per row."""
    parts: list[_Part] = []
    for index, item_field in enumerate(fields):
        parts += ([","] if index else []) + _csv_value(item_field)
    return _concat(parts)
