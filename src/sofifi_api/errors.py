"""One error hierarchy, rendered as RFC 9457 problem details (`application/problem+json`)."""

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from sofifi_api.json_depth import MAX_JSON_DEPTH
from sofifi_api.ratelimit.limiter import RateLimitDecision

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(name: str) -> str:
    # A field named by the client (an unknown key) may hold a lone surrogate, which no answer
    # can carry: it is shown as U+FFFD instead.
    return _SURROGATE.sub("\ufffd", name)


class FieldError(BaseModel):
    """One reason a request was refused, tied to the field it concerns."""

    location: str = Field(
        description="Where the field is: `body`, `query`, `path` or `header`.",
        examples=["body"],
    )
    field: Annotated[str, AfterValidator(_encodable)] = Field(
        description="Dotted path to the field inside its location; list items by index.",
        examples=["partners.0.role"],
    )
    message: str = Field(
        description="What is wrong. Never repeats the submitted value.",
        examples=["Input should be 'funder', 'implementer', 'facilitator' or 'government_sponsor'"],
    )
    code: str = Field(description="Machine-readable reason.", examples=["enum"])


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "No program with id 0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a.",
                    "instance": "/v1/programs/0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a",
                    "request_id": "4f6c0f3e9b7a4c52a1d2e3f4a5b6c7d8",
                }
            ]
        }
    )

    type: str = Field(
        description="URI reference naming the kind of problem.", examples=["/problems/not-found"]
    )
    title: str = Field(description="Short summary of the kind of problem.", examples=["Not found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(
        description="What went wrong in this occurrence.",
        examples=["No program with id 0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a."],
    )
    instance: str = Field(
        description="Path of the request that failed.",
        examples=["/v1/programs/0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"],
    )
    request_id: str = Field(
        description="Same value as the `Request-Id` response header.",
        examples=["4f6c0f3e9b7a4c52a1d2e3f4a5b6c7d8"],
    )
    errors: list[FieldError] | None = Field(
        default=None,
        description="For validation problems: one entry per invalid field.",
        examples=[
            [
                {
                    "location": "body",
                    "field": "partners.0.role",
                    "message": "Input should be 'funder', 'implementer', 'facilitator' or "
                    "'government_sponsor'",
                    "code": "enum",
                }
            ]
        ],
    )


class ApiError(Exception):
    """Base of every error the service answers with; subclasses say what it means."""

    status: int = 500
    title: str = "Internal server error"
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})
        # Extra members of the problem body (RFC 9457 §3.2), e.g. OAuth2's `error` code.
        self.extensions = dict(extensions or {})


class BadRequest(ApiError):
    status, title, slug = 400, "Bad request", "bad-request"


class InvalidCursor(BadRequest):
    title, slug = "Invalid cursor", "invalid-cursor"

    def __init__(self) -> None:
        super().__init__("The cursor is not one this service issued; start again without a cursor.")


class NotFound(ApiError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ApiError):
    status, title, slug = 409, "Conflict", "conflict"


class ValidationFailed(ApiError):
    status, title, slug = 422, "Validation failed", "validation-error"

    def __init__(self, detail: str, *, errors: Sequence[FieldError] | None = None) -> None:
        super().__init__(detail, errors=errors or [])

    @classmethod
    def for_field(cls, field: str, message: str, code: str = "invalid") -> "ValidationFailed":
        return cls(
            message, errors=[FieldError(location="body", field=field, message=message, code=code)]
        )


class ServiceUnavailable(ApiError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


class BodyRefused(StarletteHTTPException):
    """A body refused while it is read, by middleware wrapping `receive`: FastAPI passes only an
    HTTPException raised there on to the handlers (anything else becomes a bare 400)."""

    def __init__(
        self,
        status: int,
        title: str,
        slug: str,
        detail: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail, headers)
        self.title = title
        self.slug = slug


HTTP_TITLES = {
    400: ("Bad request", "bad-request"),
    401: ("Unauthorized", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    406: ("Not acceptable", "not-acceptable"),
    408: ("Request timeout", "request-timeout"),
    413: ("Content too large", "content-too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
    429: ("Too many requests", "too-many-requests"),
}


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    slug: str,
    detail: str,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    request_id = request_id_of(request)
    problem = Problem(
        type=PROBLEM_TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id,
        errors=list(errors) if errors is not None else None,
    )
    body = problem.model_dump(exclude_none=True)
    body.update({name: value for name, value in (extensions or {}).items() if name not in body})
    all_headers = {"Request-Id": request_id, **(headers or {})}
    return JSONResponse(
        body,
        status_code=status,
        headers=all_headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def field_errors_from_pydantic(raw_errors: Iterable[Any]) -> list[FieldError]:
    """Turn pydantic errors into field errors without echoing the submitted input."""
    errors = []
    for raw in raw_errors:
        loc = [str(part) for part in raw.get("loc", ())]
        location = loc[0] if loc and loc[0] in {"body", "query", "path", "header"} else "body"
        path = loc[1:] if loc and loc[0] == location else loc
        message = str(raw.get("msg", "Invalid value"))
        # Custom validators prefix their message; the prefix adds nothing for a client.
        message = message.removeprefix("Value error, ")
        errors.append(
            FieldError(
                location=location,
                field=".".join(path),
                message=message,
                code=str(raw.get("type", "invalid")),
            )
        )
    return errors


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        slug=exc.slug,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw_errors = list(exc.errors())
    if any(raw.get("type") == "json_invalid" for raw in raw_errors):
        return problem_response(
            request,
            status=400,
            title="Malformed JSON",
            slug="malformed-json",
            detail="The request body is not valid JSON.",
        )
    errors = field_errors_from_pydantic(raw_errors)
    fields = ", ".join(sorted({e.field or e.location for e in errors}))
    return problem_response(
        request,
        status=422,
        title=ValidationFailed.title,
        slug=ValidationFailed.slug,
        detail=f"The request has invalid fields: {fields}.",
        errors=errors,
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyRefused):
        title, slug = exc.title, exc.slug
    else:
        title, slug = HTTP_TITLES.get(exc.status_code, ("Error", "error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is no resource at this path."
    return problem_response(
        request,
        status=exc.status_code,
        title=title,
        slug=slug,
        detail=detail,
        headers=exc.headers,
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness and references first; this answers the race that slips past.
    logger.warning("integrity error answered as 409", extra={"request_id": request_id_of(request)})
    return problem_response(
        request,
        status=409,
        title=Conflict.title,
        slug=Conflict.slug,
        detail="The request conflicts with data stored meanwhile; fetch it and try again.",
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # A value the database cannot store (out of range, a NUL character) that validation let by.
    logger.warning("data error answered as 422", extra={"request_id": request_id_of(request)})
    return problem_response(
        request,
        status=422,
        title=ValidationFailed.title,
        slug=ValidationFailed.slug,
        detail="A value is out of range or contains characters that cannot be stored.",
    )


# SQLSTATE classes of errors some drivers (asyncpg) report as a plain DBAPIError.
_DATA_EXCEPTION = "22"  # a value the database refuses (out of range, a NUL character)
_UNAVAILABLE = {"08", "53", "57"}  # connection lost; out of resources; shutdown or cancelled


async def _driver_error(request: Request, exc: Exception) -> JSONResponse:
    sqlstate = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    if sqlstate.startswith(_DATA_EXCEPTION):
        return await _data_error(request, exc)
    if sqlstate[:2] in _UNAVAILABLE:
        return await _operational_error(request, exc)
    return await _unexpected_error(request, exc)


async def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    """The database refused, dropped or timed out the request's work (also as the socket's or
    the driver's own `OSError`, `TimeoutError` included), or no pooled connection came free:
    a retry may well succeed."""
    logger.error(
        "database unavailable: %s", type(exc).__name__, extra={"request_id": request_id_of(request)}
    )
    return problem_response(
        request,
        status=503,
        title=ServiceUnavailable.title,
        slug=ServiceUnavailable.slug,
        detail="The database is busy or unreachable; retry shortly.",
        headers={"Retry-After": "2"},
    )


def _rate_limit_headers(request: Request) -> dict[str, str]:
    """Where a counted request's client stands. A 500 is answered by Starlette's outermost
    middleware, past `RateLimitHeadersMiddleware`, so its handler adds them itself."""
    decision = getattr(request.state, "rate_limit", None)
    return decision.headers() if isinstance(decision, RateLimitDecision) else {}


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"request_id": request_id_of(request)})
    return problem_response(
        request,
        status=500,
        title="Internal server error",
        slug="internal-error",
        detail="The service failed to answer; the request id identifies it in our logs.",
        headers=_rate_limit_headers(request),
    )


async def answer_exception(request: Request, exc: Exception) -> Response:
    """The answer the application's handlers give `exc`, for middleware that runs outside them
    (a 401 or 429 as a route would give it, a 503 for an unreachable database)."""
    handlers = request.app.exception_handlers
    handler = next((handlers[cls] for cls in type(exc).__mro__ if cls in handlers), None)
    if handler is None:
        raise exc
    response: Response = await handler(request, exc)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(DBAPIError, _driver_error)
    # The driver's own failures to connect or to hear back, past SQLAlchemy's wrapping.
    app.add_exception_handler(OSError, _operational_error)
    app.add_exception_handler(PoolTimeout, _operational_error)
    app.add_exception_handler(Exception, _unexpected_error)


_STANDARD_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, JSON not in UTF-8 or nested deeper than "
    f"{MAX_JSON_DEPTH} levels (`/problems/malformed-json`), or a cursor this service did not "
    "issue (`/problems/invalid-cursor`).",
    401: "No credential, or one that is unknown, revoked or expired (`/problems/unauthorized`).",
    403: "The credential lacks the scope this operation needs (`/problems/missing-scope`), or "
    "the write reaches an area outside the client's areas (`/problems/area-out-of-scope`: a "
    "stored row's areas outside them are named in `area_codes`, a value sent by its field in "
    "`errors`).",
    404: "No such resource: it never existed, was deleted, or lies outside the client's areas "
    "(`/problems/not-found`).",
    409: "Conflicts with existing data (a duplicate, or a resource still in use; "
    "`/problems/conflict`).",
    413: "The request body is too large (`/problems/content-too-large`).",
    415: "The request body is not JSON, or its Content-Type names a charset other than UTF-8 "
    "(`/problems/unsupported-media-type`).",
    422: "A field is invalid; `errors` lists each one (`/problems/validation-error`).",
    429: "Too many requests, or too many failed authentications from this address or for this "
    "client; retry after `Retry-After` seconds (`/problems/too-many-requests`).",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the errors a route can return, all as problem+json."""
    return {
        status: {
            "model": Problem,
            "description": _STANDARD_DESCRIPTIONS.get(
                status, HTTP_TITLES.get(status, ("Error",))[0]
            ),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
