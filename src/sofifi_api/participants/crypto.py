"""Personal data at rest: Fernet encryption with rotatable keys, and a keyed digest of the NIK.

Keys come from the settings: `SOFIFI_PII_KEYS` is a comma-separated list of Fernet keys, the
first encrypts and every one decrypts (prepend a new key to rotate, drop an old one once
`sofifi-api participants rekey` has re-encrypted everything). The NIK digest, HMAC-SHA256 with a
key of its own, makes look-up and duplicate checks possible without ever storing the NIK in
clear. Without configured keys both are derived from `SOFIFI_SECRET_KEY` (development only).

This module depends on the settings alone, so migrations can use it.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sofifi_api.config import Settings, get_settings

_ENCRYPTION_INFO = b"sofifi-api/participants/personal-data-encryption"
_DIGEST_INFO = b"sofifi-api/participants/nik-digest"


class PersonalDataKeyError(RuntimeError):
    """The configured keys are unusable, or cannot decrypt what is stored."""


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def generate_key() -> str:
    """A new random Fernet key, for `SOFIFI_PII_KEYS`."""
    return Fernet.generate_key().decode()


@dataclass(frozen=True)
class PersonalDataKeys:
    """Encrypts, decrypts and digests personal data with one configuration's keys."""

    cipher: MultiFernet
    digest_key: bytes

    def encrypt(self, plaintext: str) -> str:
        return self.cipher.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.cipher.decrypt(token.encode()).decode()
        except InvalidToken:
            raise PersonalDataKeyError(
                "Stored personal data cannot be decrypted with any key in SOFIFI_PII_KEYS."
            ) from None

    def reencrypt(self, token: str) -> str:
        """The same plaintext under the first (current) key."""
        try:
            return self.cipher.rotate(token.encode()).decode()
        except InvalidToken:
            raise PersonalDataKeyError(
                "Stored personal data cannot be decrypted with any key in SOFIFI_PII_KEYS."
            ) from None

    def nik_digest(self, nik: str) -> str:
        """Hex HMAC-SHA256 of a NIK: equal NIKs give equal digests, and nothing reverses it."""
        return hmac.new(self.digest_key, nik.encode(), hashlib.sha256).hexdigest()


def _fernet(key: str, position: int) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError:
        # Only the position is named: the key itself must not reach a log.
        raise PersonalDataKeyError(
            f"SOFIFI_PII_KEYS entry {position} is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None


@lru_cache(maxsize=4)
def _keys(pii_keys: str | None, digest_key: str | None, secret_key: str) -> PersonalDataKeys:
    configured = [key.strip() for key in (pii_keys or "").split(",") if key.strip()]
    if configured:
        cipher = MultiFernet([_fernet(key, n) for n, key in enumerate(configured, start=1)])
        # The last key is the oldest: rotation prepends keys, so the digest key stays put.
        digest_material = base64.urlsafe_b64decode(configured[-1])
    else:
        development_key = base64.urlsafe_b64encode(_derive(secret_key.encode(), _ENCRYPTION_INFO))
        cipher = MultiFernet([Fernet(development_key)])
        digest_material = secret_key.encode()
    if digest_key is not None:
        digest_material = digest_key.encode()
    return PersonalDataKeys(cipher=cipher, digest_key=_derive(digest_material, _DIGEST_INFO))


def keys_for(settings: Settings) -> PersonalDataKeys:
    return _keys(
        settings.pii_keys.get_secret_value() if settings.pii_keys else None,
        settings.pii_digest_key.get_secret_value() if settings.pii_digest_key else None,
        settings.resolved_secret_key,
    )


def personal_data_keys() -> PersonalDataKeys:
    """The keys of the service's current settings."""
    return keys_for(get_settings())
