"""Keyset pagination: opaque signed cursors, `Page[T]` bodies and `Link` headers."""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.sql.expression import Select, SelectOfScalar

from sofifi_api.config import get_settings
from sofifi_api.errors import InvalidCursor

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_CURSOR_VERSION = 1

T = TypeVar("T")
ItemT = TypeVar("ItemT")
S = TypeVar("S", bound=Select[Any] | SelectOfScalar[Any])


class Page(BaseModel, Generic[ItemT]):
    """One page of a collection, in a stable order."""

    # Parametrized models (`Page[ProgramPublic]`) do not inherit the docstring as description.
    model_config = ConfigDict(
        json_schema_extra={"description": "One page of a collection, in a stable order."}
    )

    data: list[ItemT] = Field(description="The items of this page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page.",
        examples=["eyJ2IjoxLCJrIjoiMDE5NWYzYTgtN2MxZS03ZDNhIn0.Yq3x"],
    )


def _sign(payload: bytes) -> str:
    key = get_settings().resolved_secret_key.encode()
    digest = hmac.new(key, b"cursor:" + payload, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(key: str) -> str:
    payload = json.dumps({"v": _CURSOR_VERSION, "k": key}, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(payload)}"


def decode_cursor(cursor: str) -> str:
    """The last key of the previous page; any cursor not made here is refused."""
    body, _, signature = cursor.partition(".")
    try:
        payload = _b64decode(body)
        if not hmac.compare_digest(signature, _sign(payload)):
            raise InvalidCursor
        decoded = json.loads(payload)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor from exc
    if not isinstance(decoded, dict) or decoded.get("v") != _CURSOR_VERSION:
        raise InvalidCursor
    key = decoded.get("k")
    if not isinstance(key, str):
        raise InvalidCursor
    return key


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: str | None = None


async def page_request(
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.", examples=[50]),
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            description="`next_cursor` of the previous page. Omit for the first page.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageRequest, Depends(page_request)]


def key_value(key: Any, after: str) -> Any:
    """A cursor's key as a value of the key column's type (400 if it is not one)."""
    # A TypeDecorator (sqlmodel's AutoString for str columns) reports `object`; ask its impl.
    python_type = getattr(key.type, "impl_instance", key.type).python_type
    try:
        return python_type(after)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor from exc


def keyset(statement: S, key: Any, page: PageRequest) -> S:
    """Rows after the cursor in `key` order (a unique column), one more than a page so that
    the caller learns whether another page follows."""
    if page.after is not None:
        statement = cast(S, statement.where(key > key_value(key, page.after)))
    return cast(S, statement.order_by(key).limit(page.limit + 1))


def cut_page(
    rows: Sequence[T], page: PageRequest, key_of: Callable[[T], Any]
) -> tuple[list[T], str | None]:
    """The page's rows and the key to continue after, or None when this was the last page."""
    items = list(rows[: page.limit])
    if len(rows) > page.limit and items:
        return items, str(key_of(items[-1]))
    return items, None


def page_body(
    request: Request, response: Response, items: list[Any], next_key: str | None
) -> dict[str, Any]:
    """The list body, with a `Link: rel="next"` header when more follows."""
    next_cursor = encode_cursor(next_key) if next_key is not None else None
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return {"data": items, "next_cursor": next_cursor}
