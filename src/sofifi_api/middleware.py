"""ASGI middleware: request ids, request logs and metrics, query text, body size, time, depth
and content type limits."""

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Sequence

import structlog
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sofifi_api import metrics
from sofifi_api.errors import BodyRefused, ValidationFailed, answer_exception, problem_response
from sofifi_api.json_depth import MAX_JSON_DEPTH, nests_deeper_than
from sofifi_api.schemas import refuse_nul_in_query

logger = logging.getLogger("sofifi_api.access")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_FORM = "application/x-www-form-urlencoded"
# OAuth2 token requests are form-encoded (RFC 6749 §4.4.2); every other body is JSON.
FORM_BODY_PATHS = frozenset({"/v1/oauth/token"})


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(content_type: str) -> bool:
    media_type = _media_type(content_type)
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _is_utf8_json_text(body: bytes) -> bool:
    """JSON exchanged between systems is UTF-8 (RFC 8259 §8.1). Python's parser would also
    read UTF-16 and UTF-32, which it recognises by their NUL bytes; a NUL is never valid
    JSON text, so refusing it refuses them whatever their byte order mark."""
    if b"\x00" in body:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RequestContextMiddleware:
    """Gives every request an id (the client's `Request-Id` if it is sane), binds it to every log
    line written meanwhile, and ends the request with one log line and its metrics.

    The request line and the metrics name the route template (`/v1/programs/{program_id}`),
    never the path, the query string or the body: they may carry personal data.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: RouteTemplates | None = None

    def _route_template(self, scope: Scope) -> str:
        if self._templates is None:
            self._templates = RouteTemplates(scope["app"].routes)
        return self._templates.of(scope["method"], scope["path"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("request-id", "")
        request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                if "request-id" not in headers:
                    headers["Request-Id"] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            logger.debug("request received", extra={"method": scope["method"]})
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                route = self._route_template(scope)
                principal = state.get("principal")
                metrics.REQUESTS.labels(scope["method"], route, str(status)).inc()
                metrics.REQUEST_DURATION.labels(scope["method"], route).observe(elapsed)
                logger.info(
                    "request",
                    extra={
                        "client_id": str(principal.client_id) if principal else None,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )


class RouteTemplates:
    """The path templates of an application's routes, to name the one a request is for."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes: list[tuple[re.Pattern[str], str, frozenset[str] | None]] = []
        for context in iter_route_contexts(routes):
            template = context.path_format
            if template:
                pattern, _format, _convertors = compile_path(template)
                methods = getattr(context.original_route, "methods", None)
                self._routes.append((pattern, template, frozenset(methods) if methods else None))

    def methods_of(self, path: str) -> frozenset[str]:
        """Every method some route serves at `path` (RFC 9110's `Allow`); empty for an unknown
        path. Where a literal template and one with a parameter both match (`/v1/feedback/batch`
        and `/v1/feedback/{feedback_id}`), the path names the literal one's resource."""
        matches = [
            (template.count("{"), route_methods)
            for pattern, template, route_methods in self._routes
            if route_methods and pattern.match(path)
        ]
        fewest = min((parameters for parameters, _ in matches), default=0)
        return frozenset().union(
            *(methods for parameters, methods in matches if parameters == fewest)
        )

    def of(self, method: str, path: str) -> str:
        """The template of the route for `method` and `path` (or of one for `path` with other
        methods: a 405); `unmatched` for paths no route knows."""
        other_method = None
        for pattern, template, methods in self._routes:
            if pattern.match(path):
                if methods is None or method in methods:
                    return template
                other_method = other_method or template
        return other_method or metrics.UNMATCHED_ROUTE


class UnhandledErrorMiddleware:
    """Answers an exception that no route's handler took (a 500, or a 503 for an unreachable
    database) itself, and the connection stays usable: Starlette's last-resort handler answers
    and then re-raises, on which the server drops the connection under the client's next
    request. An exception after the answer began can only end the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            response = await answer_exception(Request(scope), exc)
            await response(scope, receive, send)


class InputLimitsMiddleware:
    """Refuses input no operation takes, before any route reads it: a NUL in a `/v1` query
    parameter (422), and bodies that are not JSON or declare a charset other than UTF-8 (415),
    are not UTF-8 (400), are larger than the route allows (413), that stall (408, and the
    connection is closed) or that nest too deeply to parse (400).

    A JSON body is read whole before the route sees it (every route reads it whole anyway), so
    its nesting is checked before any parser recurses into it.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_batch_bytes: int, stall_seconds: float
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_batch_bytes = max_batch_bytes
        self.stall_seconds = stall_seconds

    def _limit_for(self, path: str) -> int:
        return self.max_batch_bytes if path.rstrip("/").endswith("/batch") else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/v1/"):
            try:
                refuse_nul_in_query(scope["query_string"])
            except ValidationFailed as exc:
                response = await answer_exception(Request(scope), exc)
                await response(scope, receive, send)
                return
        if scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self._limit_for(scope["path"])
        declared = headers.get("content-length")
        has_body = (declared is not None and declared != "0") or "transfer-encoding" in headers
        content_type = headers.get("content-type", "")
        if scope["path"] in FORM_BODY_PATHS:
            if has_body and _media_type(content_type) != _FORM:
                await self._unsupported(scope, receive, send, _FORM)
                return
        elif has_body and (
            not _is_json(content_type) or _charset(content_type) not in {None, "utf-8", "utf8"}
        ):
            await self._unsupported(scope, receive, send, "application/json")
            return
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        checks_depth = has_body and scope["path"] not in FORM_BODY_PATHS
        body_read = False

        async def next_part() -> Message:
            try:
                return await asyncio.wait_for(receive(), self.stall_seconds)
            except TimeoutError:
                raise BodyRefused(
                    408,
                    "Request timeout",
                    "request-timeout",
                    f"The request body stalled for more than {self.stall_seconds:g} s; "
                    "send it again.",
                    # The rest of the body may still come: the connection cannot be reused.
                    headers={"Connection": "close"},
                ) from None

        async def limited_receive() -> Message:
            nonlocal body_read
            if body_read:
                return await receive()  # past the body: only a disconnect is still to come
            parts: list[bytes] = []
            received = 0
            while True:
                message = await next_part()
                if message["type"] != "http.request":
                    return message
                part = message.get("body", b"")
                received += len(part)
                if received > limit:
                    raise HTTPException(413, _too_large_detail(limit))
                parts.append(part)
                if not message.get("more_body", False):
                    break
            body_read = True
            body = b"".join(parts)
            if checks_depth and not _is_utf8_json_text(body):
                raise BodyRefused(
                    400, "Malformed JSON", "malformed-json", "The request body is not UTF-8 text."
                )
            if checks_depth and nests_deeper_than(body):
                raise BodyRefused(
                    400,
                    "Malformed JSON",
                    "malformed-json",
                    f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} "
                    "levels deep.",
                )
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, limited_receive, send)

    async def _unsupported(self, scope: Scope, receive: Receive, send: Send, accepted: str) -> None:
        form = accepted == _FORM
        response = problem_response(
            Request(scope),
            status=415,
            title="Unsupported media type",
            slug="unsupported-media-type",
            detail=f"Send the request body as {'form-encoded' if form else 'JSON in UTF-8'} "
            f"with Content-Type: {accepted}.",
            headers={"Accept-Post": accepted},
            # OAuth2 clients read the error code of a token request's failure.
            extensions={"error": "invalid_request"} if form else None,
        )
        await response(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            Request(scope),
            status=413,
            title="Content too large",
            slug="content-too-large",
            detail=_too_large_detail(limit),
        )
        await response(scope, receive, send)


def _too_large_detail(limit: int) -> str:
    return f"The request body is larger than {limit // 1024} KiB, the limit for this path."
