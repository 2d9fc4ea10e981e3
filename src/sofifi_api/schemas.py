"""Pieces every resource's request and response models share."""

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema
from sqlmodel import Field, SQLModel
from starlette.datastructures import QueryParams

from sofifi_api.errors import FieldError, ValidationFailed

T = TypeVar("T")


def _refuse_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "{field} cannot be null.", {"field": info.field_name})
    return value


class _RefusesNull:
    """Pydantic metadata of `NotNull`: null is refused, and the JSON schema has no null."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.with_info_before_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = [b for b in json_schema.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            return {**branches[0], **json_schema}
        if branches:
            json_schema["anyOf"] = branches
        return json_schema


# A PATCH field a client may leave out but not clear: `None` in Python means "not sent", a
# null sent is refused (422 `not_null`), and OpenAPI declares it optional but not nullable.
NotNull = Annotated[T | None, _RefusesNull()]


class InputModel(SQLModel):
    """Base of request bodies: unknown fields are refused so a typo never drops data."""

    model_config = {"extra": "forbid"}

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        properties = handler.resolve_ref_schema(json_schema).get("properties", {})
        for name, field in cls.model_fields.items():
            # "Not sent" is no value a client could send, so it is no default to document.
            if any(isinstance(meta, _RefusesNull) for meta in field.metadata):
                properties[name].pop("default", None)
        return json_schema


class ResourcePublic(SQLModel):
    """Fields the server adds to every resource it returns."""

    id: uuid.UUID = Field(
        description="Server-assigned opaque identifier (time-ordered UUID).",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    created_at: datetime = Field(
        description="When the resource was created (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-03-02T01:15:00Z"]},
    )
    updated_at: datetime = Field(
        description="When the resource last changed (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-03-05T08:40:12Z"]},
    )
    deleted_at: datetime | None = Field(
        default=None,
        description="When the resource was deleted; null unless listed with `include_deleted`.",
        schema_extra={"examples": [None]},
    )


def in_utc(value: datetime) -> datetime:
    """The same instant in UTC, as it is stored; an instant UTC cannot hold (year 1 at +14:00,
    year 9999 at -12:00) is refused like any other invalid value."""
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is outside the supported range of timestamps") from exc


_RFC3339_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
NOT_AN_INSTANT = "must be an RFC 3339 date-time with a UTC offset, such as 2026-01-01T00:00:00Z"


def _rfc3339_text(value: Any) -> Any:
    # Pydantic would also take Unix seconds (`0.5`, `1999999999`, as numbers or as text) and
    # shortened forms; the contract says RFC 3339. A datetime comes from the service itself.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339_DATE_TIME.fullmatch(value):
        raise ValueError(NOT_AN_INSTANT)
    return value


# An instant a client sends, in a body or a query: an RFC 3339 date-time with an offset, kept
# in UTC.
Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(in_utc)]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _iso_date_text(value: Any) -> Any:
    # Pydantic would also take a date-time at midnight and Unix seconds as a date.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


# A date a client sends: `YYYY-MM-DD` and nothing else.
Day = Annotated[date, BeforeValidator(_iso_date_text)]


# JSON's own types only, as the contract declares them: pydantic would otherwise take `true`
# for 1, `"5"` for 5 and `"yes"` for true. A number field takes integers too (JSON has one
# number type).
Integer = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
Boolean = Annotated[bool, Strict()]


def is_storable(value: str) -> bool:
    """Whether a database can hold this text: PostgreSQL refuses NUL, and neither SQLite nor
    PostgreSQL takes a lone surrogate (`"\\ud800"` in JSON, which Python decodes)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


UNSTORABLE_TEXT = "must not contain NUL characters or unpaired surrogates"


def _storable(value: str) -> str:
    # Refused here, the field is named on every database rather than failing at the insert.
    if not is_storable(value):
        raise ValueError(UNSTORABLE_TEXT)
    return value


StorableText = Annotated[str, AfterValidator(_storable)]


def refuse_nul_in_query(query_string: bytes) -> None:
    """A NUL in a query parameter is 422 naming it, on every operation: otherwise a text filter
    (`q`, `area_code`, `client_ref`…) matched nothing on SQLite and failed at the query on
    PostgreSQL, as a 422 that named no field."""
    # A NUL reaches a parameter only percent-encoded: most requests need no parsing here.
    if b"%00" not in query_string:
        return
    errors = [
        FieldError(location="query", field=name, message=UNSTORABLE_TEXT, code="unstorable_text")
        for name, value in QueryParams(query_string).multi_items()
        if "\x00" in value
    ]
    if errors:
        fields = ", ".join(sorted({error.field for error in errors}))
        raise ValidationFailed(f"The request has invalid fields: {fields}.", errors=errors)


UpdatedSinceQuery = Annotated[
    Instant | None,
    Query(
        description="Only resources changed at or after this instant (RFC 3339 with offset).",
        examples=["2026-01-01T00:00:00Z"],
    ),
]
IncludeDeletedQuery = Annotated[
    bool,
    Query(
        description="Also list deleted resources (tombstones, with `deleted_at` set), "
        "so that a synced copy can drop them.",
    ),
]


def check_date_order(
    start: date | None, end: date | None, start_field: str, end_field: str
) -> None:
    """Refuse an end before its start; used on create and on the merged result of a PATCH."""
    if start is not None and end is not None and end < start:
        raise ValidationFailed.for_field(
            end_field, f"{end_field} must be on or after {start_field}.", code="date_order"
        )


def parse_id(raw: str) -> uuid.UUID | None:
    """Ids are opaque to clients: a malformed one is simply not found, so callers answer 404."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
