"""Short-lived OAuth2 access tokens: JWTs signed with the service's secret key.

A token names the API key it was bought with (`key_id`), so it is honoured only while that key
is: retiring a key by rotation or revocation ends its tokens too.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from sofifi_api.config import get_settings

_ALGORITHM = "HS256"
_AUDIENCE = "sofifi-api"
_ISSUER = "sofifi-api"


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class TokenClaims:
    client_id: uuid.UUID
    key_id: uuid.UUID
    scopes: frozenset[str]


def issue_access_token(
    client_id: uuid.UUID, key_id: uuid.UUID, scopes: list[str], now: datetime
) -> AccessToken:
    ttl = get_settings().access_token_ttl_seconds
    claims = {
        "iss": _ISSUER,
        "aud": _AUDIENCE,
        "sub": str(client_id),
        "key_id": str(key_id),
        "scope": " ".join(scopes),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, get_settings().resolved_secret_key, algorithm=_ALGORITHM)
    return AccessToken(token=token, expires_in=ttl, scopes=tuple(scopes))


def read_access_token(token: str) -> TokenClaims | None:
    """The claims of a token this service signed and that has not expired; None otherwise."""
    try:
        claims = jwt.decode(
            token,
            get_settings().resolved_secret_key,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            issuer=_ISSUER,
            # Tokens issued before they named their key are refused: they cannot be retired.
            options={"require": ["exp", "sub", "aud", "iss", "key_id"]},
        )
        client_id = uuid.UUID(str(claims["sub"]))
        key_id = uuid.UUID(str(claims["key_id"]))
    except (jwt.InvalidTokenError, ValueError):
        return None
    scope = claims.get("scope", "")
    return TokenClaims(client_id=client_id, key_id=key_id, scopes=frozenset(str(scope).split()))
