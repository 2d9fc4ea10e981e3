"""What a path allows, said in full (RFC 9110 §9.3.7, §10.2.1, §15.5.6).

Starlette answers a method no route serves with the methods of the first route whose path
matched, so `PUT /v1/organizations` said `Allow: GET` although POST is served there too. Every
405 now lists all the methods routes serve at the path, and OPTIONS answers 204 with the same
`Allow` (plus OPTIONS itself) instead of a 405.
"""

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from sofifi_api.errors import problem_response
from sofifi_api.middleware import RouteTemplates

# The order RFC 9110 lists them in, so the header reads the same on every path.
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allow_header(methods: frozenset[str]) -> str:
    return ", ".join(sorted(methods, key=lambda m: (_ORDER.index(m) if m in _ORDER else 99, m)))


def install_allowed_methods(app: FastAPI) -> None:
    templates: list[RouteTemplates] = []  # built at the first 405, when every route is known

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not templates:
            templates.append(RouteTemplates(request.app.routes))
        allowed = templates[0].methods_of(request.url.path) | {"OPTIONS"}
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow_header(allowed)})
        return problem_response(
            request,
            status=405,
            title="Method not allowed",
            slug="method-not-allowed",
            detail=f"{request.method} is not allowed on this path; see the Allow header.",
            headers={"Allow": allow_header(allowed)},
        )

    app.add_exception_handler(405, method_not_allowed)
