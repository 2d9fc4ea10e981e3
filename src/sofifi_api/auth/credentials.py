"""API keys: `sfk_<id>_<secret>`; only a SHA-256 digest of the whole key is stored."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "sfk_"
_ID_LENGTH = 10
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class NewKey:
    key: str
    lookup_id: str
    digest: str


def digest_key(key: str) -> str:
    # A plain hash suffices: the secret has 256 random bits, so it cannot be guessed offline.
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> NewKey:
    lookup_id = "".join(secrets.choice(_ALPHABET) for _ in range(_ID_LENGTH))
    key = f"{KEY_PREFIX}{lookup_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key=key, lookup_id=lookup_id, digest=digest_key(key))


def lookup_id_of(key: str) -> str | None:
    """The public part of a key, used to find its row; None if the key is not of our form."""
    if not key.startswith(KEY_PREFIX):
        return None
    lookup_id, separator, secret = key[len(KEY_PREFIX) :].partition("_")
    if len(lookup_id) != _ID_LENGTH or not separator or len(secret) < 32:
        return None
    return lookup_id


def key_matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest_key(key), stored_digest)
