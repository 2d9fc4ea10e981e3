"""Authentication before anything reads the body: an anonymous caller learns nothing about how
a request would be handled (FastAPI parses and validates a body before running dependencies)."""

import re
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from sofifi_api.auth.dependencies import authenticate, needs_credential
from sofifi_api.db import session_opener
from sofifi_api.errors import answer_exception

ProtectedOperations = dict[str, list[re.Pattern[str]]]


def protected_operations(routes: Sequence[BaseRoute]) -> ProtectedOperations:
    """The path patterns, per method, of the operations whose dependencies authenticate."""
    operations: ProtectedOperations = {}
    for route in iter_route_contexts(routes):
        if isinstance(route.original_route, APIRoute) and needs_credential(route.dependant):
            pattern, _format, _convertors = compile_path(route.path_format or "")
            for method in route.methods or ():
                operations.setdefault(method, []).append(pattern)
    return operations


class AuthenticationMiddleware:
    """Authenticates every request to an operation that needs a credential, once, before the
    body is read; counts it against the client's rate limit and keeps the principal in
    `request.state`, where `authorize` (the scope check) and the idempotency middleware find it.

    A refusal is the answer the route's own error handling would give: 401, or 429 for a spent
    quota or too many failures. Requests no such operation answers (unknown paths and methods,
    `/health`, `/docs`, the token endpoint) pass untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._operations: ProtectedOperations | None = None

    def _protected(self, scope: Scope) -> bool:
        if self._operations is None:
            application: FastAPI = scope["app"]
            self._operations = protected_operations(application.routes)
        path: str = scope["path"]
        return any(pattern.match(path) for pattern in self._operations.get(scope["method"], ()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._protected(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            await authenticate(request, session_opener(scope["app"]))
        except Exception as exc:
            response = await answer_exception(request, exc)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
