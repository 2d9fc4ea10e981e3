"""The read path every converted resource shares: a page of a collection or one item, selected
in one statement on the request's connection, built from the rows by the collection's fields
and written by one compiled JSON encoder.

Rows never become ORM instances and items never pass through a validating model: the
collection's fields are the representation, and parity tests hold them to the public models
the OpenAPI document describes, byte for byte.

A route answered by one statement reads on a connection of its own (`db.ReadingDep`), without
an ORM session or, on PostgreSQL, a transaction around the statement; a write answering with
its resource reads on its session's connection, inside its transaction.

The statements take their varying values as parameters (`KEY`, and a page's `after` and
`limit`), so a resource builds each distinct statement once and keeps it (`functools.cache` or
`lru_cache` on its builder): SQLAlchemy then finds its compiled form by the statement's
memoised cache key. An item's statement, one per area scope, is run on PostgreSQL by the driver
itself (`driver.fetch`), compiled once: for a single read SQLAlchemy's execution and result
layers cost more than the query. A page's statement holds its filters' values and stays with
SQLAlchemy, whose cache matches statements by shape.
"""

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.sql.expression import Select, SelectOfScalar
from starlette.requests import Request
from starlette.responses import Response

from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.driver import fetch, kept_driver_statement
from sofifi_api.pagination import PageRequest, encode_cursor, key_value
from sofifi_api.representations.collection import Collection

JSON = "application/json"
# The parameter an item's statement compares its key with.
KEY: sa.BindParameter[Any] = sa.bindparam("key")
_ENCODER = msgspec.json.Encoder()


def json_bytes(value: Any) -> bytes:
    """Compact JSON in UTF-8, keys in the order given, as the API writes every body."""
    return _ENCODER.encode(value)


def page_statement(
    collection: Collection, matching: SelectOfScalar[Any], dialect: str, *, continued: bool
) -> Select[Any]:
    """A page of those `matching` selects (filtered and area-scoped) as the collection's
    fields, in key order: `limit` rows, after the key `after` when `continued`."""
    statement = collection.select(matching, dialect)
    key = collection.key
    if continued:
        statement = statement.where(key > sa.bindparam("after", type_=key.type))
    return statement.order_by(key).limit(sa.bindparam("limit", type_=sa.Integer))


def item_statement(
    collection: Collection, matching: SelectOfScalar[Any], dialect: str
) -> Select[Any]:
    """The item `matching` selects (comparing a key with `KEY`) as the collection's fields."""
    return collection.select(matching, dialect)


async def read_page(
    connection: AsyncConnection,
    collection: Collection,
    statement: Select[Any],
    page: PageRequest,
    parameters: Mapping[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The page's items (`statement` from `page_statement`, continued when the page is, with
    the values of any other parameters it takes, such as its parent's key), and the key to
    continue after (None on the last page)."""
    values = {**(parameters or {}), "limit": page.limit + 1}
    if page.after is not None:
        values["after"] = key_value(collection.key, page.after)
    # SQLAlchemy's execution: the statement holds the list's filter values, new with nearly
    # every sync (`updated_since`), and its compiled cache finds it by shape, whatever they are.
    rows = (await connection.execute(statement, values)).all()
    items = collection.items(rows[: page.limit], connection.dialect.name)
    if len(rows) > page.limit and items:
        return items, str(items[-1][collection.key_field])
    return items, None


async def read_one(
    connection: AsyncConnection,
    collection: Collection,
    statement: Select[Any],
    key: Any,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The item `statement` (from `item_statement`) selects for `key` (and the values of any
    other parameters it takes), or None."""
    rows = await _keyed_rows(connection, statement, {**(parameters or {}), "key": key})
    return collection.items(rows, connection.dialect.name)[0] if rows else None


@lru_cache(maxsize=64)
def _live_row(visibility: Visibility[Any], areas: AreaScope) -> sa.Select[Any]:
    table: Any = visibility.table
    key = getattr(table, visibility.key)
    return sa.select(key).where(key == KEY, table.deleted_at.is_(None), visibility.where(areas))


async def is_live(
    connection: AsyncConnection, visibility: Visibility[Any], key: Any, areas: AreaScope
) -> bool:
    """Whether the row `key` names is live and the client sees it (the parent of a nested
    collection, before its page or item is read): one keyed statement."""
    return bool(await _keyed_rows(connection, _live_row(visibility, areas), {"key": key}))


async def _keyed_rows(
    connection: AsyncConnection, statement: sa.Select[Any], values: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows a kept statement (one per area scope, the key a parameter) selects with
    `values`; on PostgreSQL run by the driver itself, compiled once."""
    if connection.dialect.name == "postgresql":
        return await fetch(connection, kept_driver_statement(statement, connection.dialect), values)
    rows: Sequence[Sequence[Any]] = (await connection.execute(statement, values)).all()
    return rows


def json_response(
    value: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(json_bytes(value), status_code=status_code, headers=headers, media_type=JSON)


def page_response(request: Request, items: list[dict[str, Any]], next_key: str | None) -> Response:
    """A list's answer: the page body, with a `Link: rel="next"` header when more follows."""
    next_cursor = encode_cursor(next_key) if next_key is not None else None
    headers = {}
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor)
        headers["Link"] = f'<{next_url}>; rel="next"'
    return json_response({"data": items, "next_cursor": next_cursor}, headers=headers)
