"""Conditional requests (RFC 9110 §13): strong `ETag`s on JSON GETs, `If-None-Match` → 304,
and `If-Match` on PATCH and DELETE → 412 when the resource changed since the client read it.

A tag is the SHA-256 of the body sent. A write compares `If-Match` with the tag of the body a
GET would send now: the bytes of the same read path (`representations.reading`), or of the
public model as FastAPI writes a response model.
"""

import hashlib
import re
from collections.abc import Awaitable, Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Header, Request
from pydantic import BaseModel
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sofifi_api.errors import PROBLEM_MEDIA_TYPE, ApiError, BadRequest, problem_responses
from sofifi_api.representations.reading import json_bytes

CACHE_CONTROL = "private, no-cache"
ETAG_EXAMPLE = '"5dbaaa053e257f36964d867c787529d9899a00354ac727d1cfd84d627c0cbcce"'

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, one element of a comma-separated list (RFC 9110
# §8.8.3, §5.6.1: empty elements are allowed and ignored).
_LIST_ELEMENT = re.compile(r'[ \t]*(?:(W/)?("[\x21\x23-\x7e\x80-\xff]*"))?[ \t]*(?:,|\Z)')
# What `parse_entity_tags` reads, as the OpenAPI document's pattern of `If-Match`: `*`, or
# elements as above with at least one tag.
_TAG = r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"'
_EMPTY_OR_TAG = rf"[ \t]*({_TAG})?[ \t]*"
ENTITY_TAGS_PATTERN = (
    rf"^([ \t]*\*[ \t]*|({_EMPTY_OR_TAG},)*[ \t]*{_TAG}[ \t]*(,{_EMPTY_OR_TAG})*)$"
)


class PreconditionFailed(ApiError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"

    def __init__(self) -> None:
        super().__init__(
            "The resource changed since this client read it: no tag in If-Match is its current "
            "ETag. Nothing was changed; GET it again and reapply the change."
        )


class InvalidIfMatch(BadRequest):
    title, slug = "Invalid If-Match", "invalid-if-match"

    def __init__(self) -> None:
        super().__init__(
            'If-Match must be "*" or a comma-separated list of entity tags in double quotes, '
            "exactly as the ETag header gave them."
        )


@dataclass(frozen=True)
class EntityTags:
    """A parsed `If-Match` or `If-None-Match` value: `*`, or tags as sent (with quotes)."""

    any: bool
    strong: frozenset[str] = frozenset()
    weak: frozenset[str] = frozenset()

    def matches_strongly(self, etag: str) -> bool:
        """If-Match: only a strong tag equal to `etag` matches (RFC 9110 §8.8.3.2)."""
        return self.any or etag in self.strong

    def matches_weakly(self, etag: str) -> bool:
        """If-None-Match: the opaque tags are compared, `W/` or not."""
        return self.any or etag in self.strong or etag in self.weak


def parse_entity_tags(values: list[str]) -> EntityTags | None:
    """The header's lines as one list; None when they are not `*` nor a list of tags."""
    value = ", ".join(values)
    if value.strip() == "*":
        return EntityTags(any=True)
    strong: set[str] = set()
    weak: set[str] = set()
    position = 0
    while position < len(value):
        element = _LIST_ELEMENT.match(value, position)
        if element is None or element.end() == position:
            return None
        if element.group(2):
            (weak if element.group(1) else strong).add(element.group(2))
        position = element.end()
    if not strong and not weak:
        return None
    return EntityTags(any=False, strong=frozenset(strong), weak=frozenset(weak))


def entity_tag(body: bytes) -> str:
    """The strong ETag of a body."""
    return f'"{hashlib.sha256(body).hexdigest()}"'


def etag_of(representation: BaseModel | dict[str, Any]) -> str:
    """The ETag a GET answering with `representation` carries: an item of the shared read
    path, or a public model, written as FastAPI writes a route's response model."""
    if isinstance(representation, BaseModel):
        return entity_tag(
            representation.__pydantic_serializer__.to_json(representation, by_alias=True)
        )
    return entity_tag(json_bytes(representation))


# What a GET of the resource would answer now: its public model class (validated from the
# row), or a coroutine function building the representation as the GET handler does.
Representation = type[BaseModel] | Callable[[], Awaitable[BaseModel | dict[str, Any]]]


@dataclass(frozen=True)
class IfMatch:
    """The `If-Match` header of a write; `tags` is None when it was not sent."""

    tags: EntityTags | None

    async def require_current(
        self, session: AsyncSession, row: SQLModel, representation: Representation
    ) -> None:
        """412 unless the header is absent or names the row's current ETag for this client.

        Locks the row first (`SELECT … FOR UPDATE` on PostgreSQL; a SQLite write transaction
        holds the database's write lock from its start), so a concurrent write commits either
        before the comparison or after this request's own write, never in between."""
        if self.tags is None:
            return
        # Reloads the columns and any relationships already loaded, from the locked row.
        await session.refresh(row, with_for_update=True)
        if getattr(row, "deleted_at", None) is not None:
            raise PreconditionFailed
        if self.tags.any:
            return
        current: BaseModel | dict[str, Any]
        if isinstance(representation, type):
            current = cast(type[BaseModel], representation).model_validate(row)
        else:
            current = await representation()
        if not self.tags.matches_strongly(etag_of(current)):
            raise PreconditionFailed


async def if_match(
    request: Request,
    _if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="Makes the write conditional (lost-update protection): the `ETag` of "
            "the resource as this client last read it. If the resource changed since, the "
            'answer is 412 and nothing changes. `*` matches any existing resource; `W/"…"` '
            "(weak) tags never match. Several tags may be listed, comma-separated.",
            examples=[ETAG_EXAMPLE],
            # Documented, not enforced here: a value that does not match is 400 below.
            json_schema_extra={"pattern": ENTITY_TAGS_PATTERN},
        ),
    ] = None,
) -> IfMatch:
    """The parsed `If-Match` header; a malformed one answers 400."""
    # The parameter above documents the header; the value is read here because a header sent
    # on several lines is one list (RFC 9110 §5.3), of which the parameter holds the first.
    values = request.headers.getlist("if-match")
    if not values:
        return IfMatch(tags=None)
    tags = parse_entity_tags(values)
    if tags is None:
        raise InvalidIfMatch
    return IfMatch(tags=tags)


IfMatchDep = Annotated[IfMatch, Depends(if_match)]


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _taggable(start: Message) -> bool:
    """A complete JSON answer of 200: one with a Content-Length, so never a stream."""
    headers = Headers(raw=start["headers"])
    return (
        start["status"] == 200
        and _is_json(headers.get("content-type", ""))
        and headers.get("content-length", "").isdigit()
    )


class ETagMiddleware:
    """Tags every successful JSON GET (answering a matching `If-None-Match` with 304) and
    PATCH, whose answer is the representation a GET would now give, so that a client can
    chain conditional writes without reading again.

    Streams (no Content-Length, such as exports) pass through untouched and unbuffered; other
    answers are held only until their last body part, whose length they declared.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"GET", "PATCH"}:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def send_tagged(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _taggable(message):
                start = message
                return
            if start is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._answer(scope, start, bytes(body), send)
                return
            await send(message)

        await self.app(scope, receive, send_tagged)

    async def _answer(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        etag = entity_tag(body)
        headers = MutableHeaders(scope=start)
        headers["ETag"] = etag
        headers.add_vary_header("Authorization")
        headers.setdefault("Cache-Control", CACHE_CONTROL)
        wanted = parse_entity_tags(Headers(scope=scope).getlist("if-none-match"))
        if scope["method"] == "GET" and wanted is not None and wanted.matches_weakly(etag):
            # A 304 carries the 200's headers but none describing a body (RFC 9110 §15.4.5).
            kept = [
                (name, value)
                for name, value in start["headers"]
                if name.lower() not in {b"content-length", b"content-type"}
            ]
            await send({**start, "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(start)
        await send({"type": "http.response.body", "body": body})


_ETAG_HEADER = {
    "description": "Strong entity tag of this representation, as this client sees it (it "
    "depends on the client's scopes and areas: `Vary: Authorization`). Send it back in "
    "`If-None-Match` to revalidate, or in `If-Match` to make a PATCH or DELETE conditional.",
    "schema": {"type": "string"},
    "example": ETAG_EXAMPLE,
}
_IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of the copy the client holds (or several, comma-separated; "
    "`*` for any). If the representation is unchanged the answer is 304 Not Modified with no "
    "body; otherwise 200 as usual. Compared weakly: `W/` prefixes are ignored.",
    "schema": {"type": "string"},
    "example": ETAG_EXAMPLE,
}
_NOT_MODIFIED = {
    "description": "Not modified: the representation still has the `ETag` sent in "
    "`If-None-Match`; the client's copy is current. No body.",
    "headers": {"ETag": _ETAG_HEADER},
}
_PRECONDITION_FAILED = (
    "The resource changed since the client read it: no tag in `If-Match` is its current "
    "`ETag` (`/problems/precondition-failed`). Nothing changed."
)
_MALFORMED_IF_MATCH = (
    "An `If-Match` header that is not `*` or a list of quoted entity tags "
    "(`/problems/invalid-if-match`)."
)


_METHODS = {"get", "put", "post", "patch", "delete"}


def _returns_json(operation: dict[str, Any]) -> bool:
    """The operation's 200 is a described JSON document (a stream's schema is empty)."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return bool(content.get("application/json", {}).get("schema"))


def document_conditional_requests(document: dict[str, Any]) -> None:
    """ETag, If-None-Match and 304 on every JSON GET; 412 (and the 400 of a malformed header)
    on every operation that takes If-Match."""
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if method == "get" and _returns_json(operation):
                _document_etag(operation, names)
            elif "If-Match" in names:
                _document_if_match(operation)
                if method == "patch" and _returns_json(operation):
                    operation["responses"]["200"].setdefault("headers", {})["ETag"] = deepcopy(
                        _ETAG_HEADER
                    )


def _document_etag(operation: dict[str, Any], parameter_names: set[str]) -> None:
    responses = operation["responses"]
    responses["200"].setdefault("headers", {})["ETag"] = deepcopy(_ETAG_HEADER)
    if _IF_NONE_MATCH["name"] not in parameter_names:
        operation.setdefault("parameters", []).append(deepcopy(_IF_NONE_MATCH))
    responses.setdefault("304", deepcopy(_NOT_MODIFIED))
    operation["responses"] = dict(sorted(responses.items()))


def _document_if_match(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    responses["412"] = {
        "description": _PRECONDITION_FAILED,
        "content": problem_responses(412)[412]["content"],
    }
    existing = responses.get("400")
    if existing is None or PROBLEM_MEDIA_TYPE not in existing.get("content", {}):
        responses["400"] = {
            "description": _MALFORMED_IF_MATCH,
            "content": problem_responses(400)[400]["content"],
        }
    elif _MALFORMED_IF_MATCH not in existing.get("description", ""):
        existing["description"] += f" Or: {_MALFORMED_IF_MATCH}"
    operation["responses"] = dict(sorted(responses.items()))


def install_conditional_requests(app: FastAPI) -> None:
    """Adds the middleware (call before the request id and rate limit middleware are added, so
    that they wrap it and a 304 carries their headers too) and documents the headers."""
    app.add_middleware(ETagMiddleware)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_conditional_requests(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
