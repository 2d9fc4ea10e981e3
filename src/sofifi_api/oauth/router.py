import base64
import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from sofifi_api.auth.throttle import AuthenticationAttempt, client_claimant
from sofifi_api.db import SessionDep, utcnow
from sofifi_api.errors import PROBLEM_MEDIA_TYPE, problem_responses
from sofifi_api.oauth import service
from sofifi_api.oauth.models import AccessTokenResponse, OAuthProblem, TokenRequest
from sofifi_api.oauth.service import GRANT_TYPE, InvalidClient, InvalidRequest
from sofifi_api.ratelimit.dependencies import enforce_rate_limit

router = APIRouter(prefix="/oauth", tags=["oauth"])

_FORM = "application/x-www-form-urlencoded"
_BASIC_CHALLENGE = 'Basic realm="sofifi-api"'


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    secret: str


def _problems(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    schema = {"schema": {"$ref": f"#/components/schemas/{OAuthProblem.__name__}"}}
    return {
        status: {
            "model": OAuthProblem,
            "description": text,
            "content": {PROBLEM_MEDIA_TYPE: schema},
        }
        for status, text in descriptions.items()
    }


async def _token_form(request: Request) -> TokenRequest:
    """The token request's parameters; each may appear once (RFC 6749 §3.2), others are ignored."""
    try:
        pairs = parse_qsl(
            (await request.body()).decode(), keep_blank_values=True, max_num_fields=50
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("The body is not a form-encoded token request.") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form and name in TokenRequest.model_fields:
            raise InvalidRequest(f"The parameter {name} is sent more than once.")
        form[name] = value
    if not form.get("grant_type"):
        raise InvalidRequest("grant_type is required.")
    try:
        return TokenRequest.model_validate(form)
    except ValidationError as error:
        names = sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]})
        raise InvalidRequest(f"Invalid parameters: {', '.join(names)}.") from None


def _basic_credentials(request: Request) -> ClientCredentials | None:
    """`Authorization: Basic` credentials (client_secret_basic), or None if none are sent."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient from None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        raise InvalidClient
    # RFC 6749 §2.3.1: both halves are form-encoded before they are joined.
    return ClientCredentials(unquote_plus(client_id), unquote_plus(secret))


def _client_credentials(request: Request, form: TokenRequest) -> ClientCredentials:
    basic = _basic_credentials(request)
    if basic is not None:
        if form.client_secret is not None:
            raise InvalidRequest("Authenticate with HTTP Basic or with client_secret, not both.")
        if form.client_id not in (None, basic.client_id):
            raise InvalidRequest("client_id differs from the id in the Basic credentials.")
        return basic
    if form.client_id is None or form.client_secret is None:
        raise InvalidClient
    return ClientCredentials(form.client_id, form.client_secret)


def _wants_challenge(request: Request) -> bool:
    # Browsers prompt for a password on a Basic challenge; script callers such as the Swagger UI
    # Authorize dialog mark themselves and get the error in the body only.
    return request.headers.get("x-requested-with", "").lower() != "xmlhttprequest"


@router.post(
    "/token",
    response_model=AccessTokenResponse,
    summary="Get an access token",
    response_description="A bearer token for the granted scopes, valid for `expires_in` seconds.",
    responses=_problems(
        {
            400: "`invalid_request` (`/problems/invalid-request`), `unsupported_grant_type` "
            "(`/problems/unsupported-grant-type`) or `invalid_scope` (`/problems/invalid-scope`), "
            "in `error`.",
            401: "`invalid_client` (`/problems/invalid-client`): the client id and key do not "
            "name an active client.",
            413: "The request body is too large.",
            415: "The request body is not form-encoded.",
        }
    )
    | problem_responses(429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {_FORM: {"schema": TokenRequest.model_json_schema()}},
        }
    },
)
async def create_access_token(
    request: Request, response: Response, session: SessionDep
) -> AccessTokenResponse:
    """OAuth2 client credentials grant (RFC 6749 §4.4), the one operation that needs no
    credential of its own: the client id and one of its API keys, sent with HTTP Basic or in
    the form, buy a bearer token for the requested scopes (all the client's by default).

    Each token request counts against the client's rate limit (429 past it). Failed
    authentications are limited per source address and per client id (30 a minute by default):
    past the limit, every request from that address or for that client is 429 with
    `Retry-After` until the minute ends, whatever credentials it carries.

    The token lapses after `expires_in` seconds, and at once when the client is revoked or
    expires or the key it was bought with is retired (revoked, or rotated and its grace period
    over); a scope later withdrawn from the client no longer counts.
    """
    form = await _token_form(request)
    if form.grant_type != GRANT_TYPE:
        raise service.UnsupportedGrantType
    try:
        credentials = _client_credentials(request, form)
        attempt = AuthenticationAttempt(request, client_claimant(credentials.client_id))
        await attempt.refuse_if_throttled()
        try:
            live = await service.authenticate_client(
                session, credentials.client_id, credentials.secret
            )
        except InvalidClient:
            await attempt.failed()
            raise
    except InvalidClient as error:
        if _wants_challenge(request):
            error.headers["WWW-Authenticate"] = _BASIC_CHALLENGE
        raise
    await enforce_rate_limit(request, live.client.id, live.client.rate_limit_per_minute)
    token = service.grant_access_token(live, form.scope, utcnow())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return AccessTokenResponse(
        access_token=token.token,
        expires_in=token.expires_in,
        scope=" ".join(token.scopes),
    )
