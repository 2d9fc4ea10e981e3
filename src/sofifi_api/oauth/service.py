"""The client credentials grant (RFC 6749 §4.4): authenticate the client, settle the scopes,
sign a token."""

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.scopes import ADMIN, SCOPES
from sofifi_api.auth.tokens import AccessToken, issue_access_token
from sofifi_api.clients import service as clients
from sofifi_api.clients.models import ApiClient
from sofifi_api.clients.service import LiveKey
from sofifi_api.errors import ApiError

GRANT_TYPE = "client_credentials"


class TokenRequestError(ApiError):
    """A refused token request; the body carries RFC 6749's `error` code beside the problem."""

    status, title, slug = 400, "Invalid token request", "invalid-request"
    error = "invalid_request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, extensions={"error": self.error, "error_description": detail})


class InvalidRequest(TokenRequestError):
    pass


class InvalidClient(TokenRequestError):
    status, title, slug = 401, "Invalid client", "invalid-client"
    error = "invalid_client"

    def __init__(self) -> None:
        # One answer for every failure, so it never tells which half of the pair was wrong.
        super().__init__("The client id and key do not name an active client.")


class UnsupportedGrantType(TokenRequestError):
    title, slug = "Unsupported grant type", "unsupported-grant-type"
    error = "unsupported_grant_type"

    def __init__(self) -> None:
        super().__init__(f"The only grant type is {GRANT_TYPE}.")


class InvalidScope(TokenRequestError):
    title, slug = "Invalid scope", "invalid-scope"
    error = "invalid_scope"


async def authenticate_client(session: AsyncSession, client_id: str, secret: str) -> LiveKey:
    """The active key `secret` and its client, if that is the client `client_id` names."""
    try:
        wanted = uuid.UUID(client_id)
    except ValueError:
        raise InvalidClient from None
    live = await clients.live_key(session, secret)
    if live is None or live.client.id != wanted:
        raise InvalidClient
    return live


def granted_scopes(client: ApiClient, requested: str | None) -> list[str]:
    """The requested scopes if the client holds them all; none requested means all it holds."""
    if requested is None or not requested.strip():
        return sorted(client.scopes)
    wanted = set(requested.split())
    if wanted - SCOPES.keys():
        raise InvalidScope("A requested scope does not exist; the OAuth2 scheme lists them all.")
    if ADMIN not in client.scopes:
        missing = sorted(wanted - set(client.scopes))
        if missing:
            raise InvalidScope(f"The client was not granted: {' '.join(missing)}.")
    return sorted(wanted)


def grant_access_token(live: LiveKey, scope: str | None, now: datetime) -> AccessToken:
    """A token for the requested scopes, naming the key it was bought with."""
    return issue_access_token(live.client.id, live.key.id, granted_scopes(live.client, scope), now)
