"""A collection read under its parent (a project's contributions, a program's enrollments): the
parent must be live and visible to the client, or it is reported missing and its children with
it. The page and item statements take the parent as a parameter, so that one statement, kept
per filters and area scope, serves every parent."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel.sql.expression import Select, SelectOfScalar

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.pagination import PageRequest
from sofifi_api.representations.collection import Collection
from sofifi_api.representations.reading import (
    KEY,
    is_live,
    item_statement,
    page_statement,
    read_one,
    read_page,
)
from sofifi_api.schemas import parse_id

# The parameter the children's parent column is compared with.
PARENT: sa.BindParameter[Any] = sa.bindparam("parent")


@dataclass(frozen=True, eq=False)
class NestedCollection:
    collection: Collection
    # Which children and which parents the client sees.
    visibility: Visibility[Any]
    parent: Visibility[Any]
    # The children's column naming their parent.
    parent_column: Any
    # The list's filtered, area-scoped select: `query(filters, areas=...)`.
    query: Callable[..., SelectOfScalar[Any]]
    # The filters' field naming the parent: the path sets it, the statement takes it as PARENT.
    parent_filter: str
    parent_missing: Callable[[str], Exception]
    item_missing: Callable[[str], Exception]

    async def parent_key(
        self, connection: AsyncConnection, parent_id: str, areas: AreaScope
    ) -> uuid.UUID:
        """The key of the live parent named in the path, if the client sees it (else it is
        reported missing, with its children)."""
        parsed = parse_id(parent_id)
        if parsed is not None and await is_live(connection, self.parent, parsed, areas):
            return parsed
        raise self.parent_missing(parent_id)

    async def page(
        self,
        connection: AsyncConnection,
        parent_id: str,
        page: PageRequest,
        filters: Any,
        *,
        areas: AreaScope,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the live parent's children, and the key to continue after."""
        parent = await self.parent_key(connection, parent_id, areas)
        unparented = replace(filters, **{self.parent_filter: None})
        statement = _page(self, unparented, areas, connection.dialect.name, page.after is not None)
        return await read_page(connection, self.collection, statement, page, {"parent": parent})

    async def item(
        self, connection: AsyncConnection, parent_id: str, item_id: str, *, areas: AreaScope
    ) -> dict[str, Any]:
        """The live child of the live parent, if the client sees them (else the missing one is
        reported)."""
        parent = await self.parent_key(connection, parent_id, areas)
        parsed = parse_id(item_id)
        if parsed is not None:
            statement = _item(self, areas, connection.dialect.name)
            item = await read_one(
                connection, self.collection, statement, parsed, {"parent": parent}
            )
            if item is not None:
                return item
        raise self.item_missing(item_id)


@lru_cache(maxsize=512)
def _page(
    nested: NestedCollection, filters: Any, areas: AreaScope, dialect: str, continued: bool
) -> Select[Any]:
    matching = nested.query(filters, areas=areas).where(nested.parent_column == PARENT)
    return page_statement(nested.collection, matching, dialect, continued=continued)


@lru_cache(maxsize=256)
def _item(nested: NestedCollection, areas: AreaScope, dialect: str) -> Select[Any]:
    table: Any = nested.visibility.table
    matching = nested.visibility.readable(areas).where(
        nested.collection.key == KEY,
        nested.parent_column == PARENT,
        col(table.deleted_at).is_(None),
    )
    return item_statement(nested.collection, matching, dialect)
