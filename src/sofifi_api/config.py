"""Service settings, read once from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var/sofifi.db")


class Settings(BaseSettings):
    """Typed configuration; `SOFIFI_*` for the service's own settings.

    `DATABASE_URL`, `REDIS_URL`, `HOST` and `PORT` are read without the prefix because
    platforms and container runtimes set them under those names.
    """

    # Settings hold secrets: a validation error must not print the value it refused.
    model_config = SettingsConfigDict(
        env_prefix="SOFIFI_", extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        validation_alias=AliasChoices("DATABASE_URL", "SOFIFI_DATABASE_URL"),
        description="SQLAlchemy URL; plain postgresql:// and sqlite:/// URLs get async drivers.",
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "SOFIFI_REDIS_URL")
    )
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("HOST", "SOFIFI_HOST"))
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "SOFIFI_PORT"))
    secret_key: str = Field(
        default="sofifi-development-secret-change-me",
        min_length=16,
        description="Signs pagination cursors; set a long random value in production.",
    )
    access_token_ttl_seconds: int = Field(
        default=900, ge=60, le=86400, description="Lifetime of OAuth2 access tokens."
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=1,
        le=1_000_000,
        description="Requests a client may make per minute unless the client has its own limit.",
    )
    rate_limit_key_prefix: str = Field(
        default="sofifi:ratelimit",
        min_length=1,
        max_length=100,
        description="Prefix of the rate limit counters' Redis keys.",
    )
    pii_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated Fernet keys for personal data at rest; the first encrypts, "
        "all decrypt. Unset: a development key derived from secret_key.",
    )
    pii_digest_key: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Key of the NIK digest used for look-up and duplicate checks. Unset: "
        "derived from the last of pii_keys (or from secret_key).",
    )
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=24,
        le=24 * 30,
        description="How long an Idempotency-Key and the answer it replays are kept.",
    )
    log_level: str = "INFO"
    max_body_bytes: int = 1024 * 1024
    max_batch_body_bytes: int = 10 * 1024 * 1024
    db_echo: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
