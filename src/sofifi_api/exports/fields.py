"""CSV lines written by PostgreSQL: for a collection whose fields are all of the simple kinds,
the database writes each whole line (`sql_csv_line`), byte for byte as Python would.
"""

import operator
from collections.abc import Sequence
from functools import reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from sofifi_api.exports.formats import FORMULA_STARTS
from sofifi_api.representations.fields import Field, Kind, text_literal, timestamp_text

# The kinds whose CSV cells the database can write itself, identically to Python.
SQL_KINDS = frozenset(
    {Kind.TEXT, Kind.ID, Kind.INTEGER, Kind.BOOLEAN, Kind.TIMESTAMP, Kind.DATE, Kind.JSON}
)


def sql_writable(fields: Sequence[Field]) -> bool:
    return all(item_field.kind in SQL_KINDS for item_field in fields)


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
    return reduce(
        operator.add, [text_literal(part) if isinstance(part, str) else part for part in merged]
    )


def _may_be_null(item_field: Field) -> bool:
    column = item_field.columns[0]
    return bool(getattr(getattr(column, "expression", column), "nullable", True))


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
    guarded = sa.case((formula, text_literal("'") + text), else_=text)
    # LIKE is the cheapest test PostgreSQL has for a character in text.
    needs_quotes = sa.or_(
        *(text.like(text_literal(f"%{character}%")) for character in (",", '"', "\n", "\r"))
    )
    doubled = sa.func.replace(guarded, text_literal('"'), text_literal('""'))
    return sa.case((needs_quotes, text_literal('"') + doubled + text_literal('"')), else_=guarded)


def _boolean(column: ColumnElement[Any]) -> ColumnElement[str]:
    return sa.case((column, text_literal("true")), (sa.not_(column), text_literal("false")))


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
            written = sa.case(
                (text == text_literal("null"), text_literal("")), else_=_text_cell(text)
            )
        case Kind.ID | Kind.INTEGER:
            written = _plain(column)
        case Kind.BOOLEAN:
            written = _boolean(column)
        case Kind.TIMESTAMP:
            written = timestamp_text(column)
        case Kind.DATE:
            written = sa.func.to_char(column, text_literal("YYYY-MM-DD"))
        case _:
            raise ValueError(f"{item_field.name}: {item_field.kind} is not written by SQL")
    if _may_be_null(item_field):
        return [sa.func.coalesce(written, text_literal(""))]
    return [written]


def sql_csv_line(fields: Sequence[Field]) -> ColumnElement[str]:
    """PostgreSQL: one whole CSV line (without its line end) per row."""
    parts: list[_Part] = []
    for index, item_field in enumerate(fields):
        parts += ([","] if index else []) + _csv_value(item_field)
    return _concat(parts)
