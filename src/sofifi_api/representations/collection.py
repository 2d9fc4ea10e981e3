"""A collection's representation: the fields of its items, in order, with the SQL that selects
them in one statement (derived values as subqueries, never a query per row), and the unique
column that orders them. Lists, single reads and exports build their items from it."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from typing import Any

from sqlmodel import col
from sqlmodel.sql.expression import Select, SelectOfScalar

from sofifi_api.representations.fields import Field, Kind, field, item_builder


@dataclass(frozen=True)
class Collection:
    """A collection: its name (in paths and file names), the fields of its items and the
    unique column that orders them, as in its list."""

    name: str
    fields: tuple[Field, ...]
    key: Any
    # Turns the selected fields into the item the list shows, when the two differ.
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Per dialect: what the fields select, and the function building an item from a row;
    # made once, at the first use.
    _made: dict[str, tuple[tuple[Any, ...], Callable[[Sequence[Any]], dict[str, Any]]]] = (
        dataclass_field(default_factory=dict, compare=False, repr=False)
    )

    @property
    def names(self) -> list[str]:
        return [item_field.name for item_field in self.fields]

    @cached_property
    def key_field(self) -> str:
        """The name of the field holding the key."""
        return next(
            item_field.name
            for item_field in self.fields
            if item_field.kind is not Kind.DERIVED and item_field.columns[0] is self.key
        )

    def _for(
        self, dialect: str
    ) -> tuple[tuple[Any, ...], Callable[[Sequence[Any]], dict[str, Any]]]:
        made = self._made.get(dialect)
        if made is None:
            selected = tuple(
                column for item_field in self.fields for column in item_field.selected(dialect)
            )
            made = self._made[dialect] = (selected, item_builder(self.fields, dialect))
        return made

    def select(self, matching: SelectOfScalar[Any], dialect: str, *columns: Any) -> Select[Any]:
        """The rows `matching` selects (the list's filtered, area-scoped select), as `columns`
        (by default what every field selects on `dialect`), in no order yet."""
        selected = columns or self._for(dialect)[0]
        return matching.with_only_columns(*selected)  # type: ignore[return-value]

    def statement(self, matching: SelectOfScalar[Any], dialect: str, *columns: Any) -> Select[Any]:
        """As `select`, in key order (an export's whole collection)."""
        return self.select(matching, dialect, *columns).order_by(self.key)

    def items(self, rows: Sequence[Sequence[Any]], dialect: str) -> list[dict[str, Any]]:
        """The items of rows `statement` selected on `dialect` (with its default columns)."""
        build = self._for(dialect)[1]
        items = [build(row) for row in rows]
        return items if self.shape is None else [self.shape(item) for item in items]


def resource_fields(table: Any) -> tuple[Field, ...]:
    """The fields every resource starts with."""
    return (
        field("id", col(table.id), Kind.ID),
        field("created_at", col(table.created_at), Kind.TIMESTAMP),
        field("updated_at", col(table.updated_at), Kind.TIMESTAMP),
        field("deleted_at", col(table.deleted_at), Kind.TIMESTAMP),
    )


def joined(text: str | None) -> list[str]:
    """The parts of an aggregated `a,b,c`; none for null."""
    return text.split(",") if text else []


def sorted_ids(text: str | None) -> list[str]:
    # Ids come as each database writes a UUID in text; written here as the API writes them.
    return sorted(str(uuid.UUID(part)) for part in joined(text))
