"""The read path every converted resource shares: a page of a collection or one item, selected
in one statement (on the request's connection and transaction), built from the rows by the
collection's fields and written by one compiled JSON encoder.

Rows never become ORM instances and items never pass through a validating model: the
collection's fields are the representation, and parity tests hold them to the public models
the OpenAPI document describes, byte for byte.
"""

from collections.abc import Mapping
from typing import Any

import msgspec
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar
from starlette.requests import Request
from starlette.responses import Response

from sofifi_api.pagination import PageRequest, encode_cursor, keyset
from sofifi_api.representations.collection import Collection

JSON = "application/json"
_ENCODER = msgspec.json.Encoder()


def json_bytes(value: Any) -> bytes:
    """Compact JSON in UTF-8, keys in the order given, as the API writes every body."""
    return _ENCODER.encode(value)


async def read_page(
    session: AsyncSession, collection: Collection, matching: SelectOfScalar[Any], page: PageRequest
) -> tuple[list[dict[str, Any]], str | None]:
    """The page's items of those `matching` selects (filtered and area-scoped), in the
    collection's key order, and the key to continue after (None on the last page)."""
    connection = await session.connection()
    dialect = connection.dialect.name
    # keyset orders by the key itself.
    statement = keyset(collection.statement(matching, dialect).order_by(None), collection.key, page)
    rows = (await connection.execute(statement)).all()
    items = collection.items(rows[: page.limit], dialect)
    if len(rows) > page.limit and items:
        return items, str(items[-1][collection.key_field])
    return items, None


async def read_one(
    session: AsyncSession, collection: Collection, matching: SelectOfScalar[Any]
) -> dict[str, Any] | None:
    """The item of the one row `matching` selects, or None."""
    connection = await session.connection()
    dialect = connection.dialect.name
    row = (await connection.execute(collection.statement(matching, dialect))).first()
    return None if row is None else collection.items([row], dialect)[0]


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
