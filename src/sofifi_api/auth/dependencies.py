"""The credential check every `/v1` operation runs first, and the scopes it demands."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPBearer, OAuth2, SecurityScopes
from starlette.routing import BaseRoute

from sofifi_api.auth.cache import grant_cache
from sofifi_api.auth.credentials import KEY_PREFIX, digest_key
from sofifi_api.auth.principal import Principal
from sofifi_api.auth.scopes import ADMIN, SCOPES
from sofifi_api.auth.throttle import AuthenticationAttempt, key_claimant
from sofifi_api.auth.tokens import read_access_token
from sofifi_api.clients import service as clients
from sofifi_api.clients.service import LiveKey
from sofifi_api.db import SessionOpener, session_opener
from sofifi_api.errors import ApiError
from sofifi_api.ratelimit.dependencies import enforce_rate_limit

TOKEN_URL = "/v1/oauth/token"  # noqa: S105  (a path, not a secret)
_REALM = 'Bearer realm="sofifi-api"'
logger = logging.getLogger(__name__)

# Both schemes travel as `Authorization: Bearer …`; documenting both lets /docs offer either.
# They are described, never run: `authenticate` reads the header once, in the middleware.
api_key_scheme = HTTPBearer(
    scheme_name="ApiKey",
    bearerFormat="sfk_…",
    description="An API key issued with `sofifi-api clients create`, sent as a bearer token.",
    auto_error=False,
)
oauth2_scheme = OAuth2(
    flows={"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": SCOPES}},
    scheme_name="OAuth2",
    description="Client credentials: the client id and an API key as the secret buy a "
    "short-lived access token.",
    auto_error=False,
)


class Unauthorized(ApiError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str, *, invalid_token: bool) -> None:
        challenge = f'{_REALM}, error="invalid_token"' if invalid_token else _REALM
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(ApiError):
    status, title, slug = 403, "Forbidden", "forbidden"


class MissingScope(Forbidden):
    title, slug = "Missing scope", "missing-scope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"This operation needs the scope {scope}, which this client was not granted.",
            headers={"WWW-Authenticate": f'{_REALM}, error="insufficient_scope", scope="{scope}"'},
        )


def _bearer_credential(request: Request) -> str:
    authorization = request.headers.get("authorization", "")
    scheme, _, credential = authorization.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized(
            "Send an API key or an access token as `Authorization: Bearer …`.",
            invalid_token=False,
        )
    return credential


async def _principal_for(open_session: SessionOpener, credential: str) -> Principal:
    """The principal a credential names; the database is asked only when the grant cache does
    not hold it."""
    if credential.startswith(KEY_PREFIX):

        async def load_key() -> LiveKey | None:
            async with open_session() as session:
                return await clients.live_key(session, credential)

        grant = await grant_cache.grant(f"key:{digest_key(credential)}", load_key)
        if grant is not None:
            return grant.principal
        raise Unauthorized("The API key is unknown, revoked or expired.", invalid_token=True)
    claims = read_access_token(credential)
    if claims is not None:
        key_id, client_id = claims.key_id, claims.client_id

        async def load_token_key() -> LiveKey | None:
            async with open_session() as session:
                return await clients.live_key_by_id(session, key_id, client_id)

        grant = await grant_cache.grant(f"token-key:{client_id}:{key_id}", load_token_key)
        if grant is not None:
            # Scopes withdrawn from the client since the token was issued no longer count.
            held = grant.principal.scopes
            # An admin client holds every scope, so a token narrowed to some of them keeps them.
            granted = claims.scopes if ADMIN in held else claims.scopes & held
            return replace(grant.principal, scopes=granted, credential="access_token")
    raise Unauthorized(
        "The access token is invalid or expired, or the key it was bought with is retired.",
        invalid_token=True,
    )


async def authenticate(request: Request, open_session: SessionOpener) -> Principal:
    """Names the client the request acts for (401), unless its address or the key it names
    failed too often (429), and counts the request against the client's rate limit (429).

    Runs once per request, in `AuthenticationMiddleware` before anything reads the body; the
    principal is kept in `request.state` for `authorize`.
    """
    credential = _bearer_credential(request)
    attempt = AuthenticationAttempt(request, key_claimant(credential))
    await attempt.refuse_if_throttled()
    try:
        principal = await _principal_for(open_session, credential)
    except Unauthorized:
        await attempt.failed()
        raise
    request.state.principal = principal
    logger.debug(
        "authenticated",
        extra={"client_id": str(principal.client_id), "credential": principal.credential},
    )
    await enforce_rate_limit(request, principal.client_id, principal.rate_limit_per_minute)
    return principal


async def authorize(security_scopes: SecurityScopes, request: Request) -> Principal:
    """Checks the operation's scopes (403) for the client the request was authenticated as.

    Route dependencies run before the route's own, so the principal is on `request.state`
    before the request's session (which names it to the audit trail) is made."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        # Only for an application assembled without the authentication middleware.
        principal = await authenticate(request, session_opener(request.app))
    for scope in security_scopes.scopes:
        if not principal.allows(scope):
            raise MissingScope(scope)
    return principal


# The dependencies that authenticate: an operation depending on one of them needs a credential.
_AUTHENTICATING: set[Callable[..., Any]] = {authorize}


def needs_credential(dependant: Dependant) -> bool:
    """Whether an operation's dependencies authenticate the request."""
    return any(
        dependency.call in _AUTHENTICATING or needs_credential(dependency)
        for dependency in dependant.dependencies
    )


def requires(scope: str) -> Any:
    """Route dependency: `dependencies=[requires("programs:read")]`; runs before the route's
    own dependencies, so nothing about a resource is revealed to an unauthorised caller."""
    return Security(authorize, scopes=[scope])


class MissingAnyScope(Forbidden):
    title, slug = "Missing scope", "missing-scope"

    def __init__(self, scopes: tuple[str, ...]) -> None:
        wanted = " ".join(scopes)
        super().__init__(
            f"This operation needs one of the scopes {', '.join(scopes)}; this client was "
            "granted none of them.",
            headers={"WWW-Authenticate": f'{_REALM}, error="insufficient_scope", scope="{wanted}"'},
        )


def requires_any(*scopes: str) -> Any:
    """Route dependency for an operation that any one of `scopes` opens (the change feed);
    the operation then narrows what it shows to the client's scopes. Pass
    `any_scope_security(...)` as the route's `openapi_extra` to document the alternatives."""

    async def authorize_any(request: Request) -> Principal:
        principal = await authorize(SecurityScopes(), request)
        if not any(principal.allows(scope) for scope in scopes):
            raise MissingAnyScope(scopes)
        return principal

    _AUTHENTICATING.add(authorize_any)
    return Depends(authorize_any)


_SCHEMES = (api_key_scheme, oauth2_scheme)


def any_scope_security(*scopes: str) -> dict[str, Any]:
    """OpenAPI security requirements met by any one of `scopes`, with either scheme."""
    return {"security": [{scheme.scheme_name: [scope]} for scope in scopes for scheme in _SCHEMES]}


def _scopes_demanded(dependant: Dependant) -> list[str]:
    """The scopes `requires(...)` demands of an operation, in the order declared."""
    scopes: list[str] = []
    for dependency in dependant.dependencies:
        own = dependency.own_oauth_scopes or [] if dependency.call is authorize else []
        scopes += [scope for scope in [*own, *_scopes_demanded(dependency)] if scope not in scopes]
    return scopes


def document_security(document: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """Both schemes in the document, and on every operation that needs a credential the
    scopes it demands, met with either scheme. An operation that states its own requirements
    (the change feed's alternatives) keeps them."""
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    for scheme in _SCHEMES:
        schemes[scheme.scheme_name] = jsonable_encoder(
            scheme.model, by_alias=True, exclude_none=True
        )
    paths = document.get("paths", {})
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not needs_credential(route.dependant):
            continue
        scopes = _scopes_demanded(route.dependant)
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is not None:
                operation.setdefault(
                    "security", [{scheme.scheme_name: scopes} for scheme in _SCHEMES]
                )


async def current_principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
