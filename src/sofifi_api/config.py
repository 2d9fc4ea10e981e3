"""Service settings, read once from the environment."""

import logging
import math
import os
import secrets
import stat
import tempfile
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger(__name__)

DEFAULT_SQLITE_PATH = Path("var/sofifi.db")
DEFAULT_SECRET_KEY_PATH = Path("var/secret-key")
_SECRET_KEY_MIN_LENGTH = 16
# About three days: 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h.
DEFAULT_WEBHOOK_RETRY_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000) + (36000,) * 7
_WEBHOOK_MAX_DELAY_SECONDS = 7 * 24 * 3600
_WEBHOOK_MAX_RETRIES = 100
DEFAULT_WEBHOOK_RETENTION_DAYS = 30


class SecretKeyError(RuntimeError):
    """No secret key is configured and none can be kept: the service cannot start."""


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
    secret_key: SecretStr | None = Field(
        default=None,
        min_length=_SECRET_KEY_MIN_LENGTH,
        description="Signs access tokens and pagination cursors. Unset: a random key generated "
        "on first start and kept in secret_key_file, which every replica must then share.",
    )
    secret_key_file: Path = Field(
        default=DEFAULT_SECRET_KEY_PATH,
        description="Where the generated secret key is kept (owner-only) while secret_key is "
        "unset.",
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
    failed_auth_limit_per_address: int = Field(
        default=30,
        ge=1,
        le=1_000_000,
        description="Failed authentications a source address may make per minute; past it, "
        "every credential it sends is refused (429) until the minute ends.",
    )
    failed_auth_limit_per_client: int = Field(
        default=30,
        ge=1,
        le=1_000_000,
        description="Failed authentications naming one client (its id at the token endpoint, "
        "or one of its API keys) per minute, from any address; past it, that client's "
        "credentials are refused (429) until the minute ends.",
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
    request_header_timeout_seconds: float = Field(
        default=10,
        gt=0,
        le=600,
        description="Time a client has to send a request's headers, from their first byte; "
        "past it the answer is 408 and the connection is closed. Enforced by `sofifi-api serve`.",
    )
    request_body_timeout_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="Longest pause while a request body arrives; past it the answer is 408 and "
        "the connection is closed.",
    )
    export_streams_per_client: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="Export downloads one client may have under way at once in one process; "
        "another is 429.",
    )
    export_streams_total: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="Export downloads under way at once in one process, over all clients; "
        "another is 503. Each holds a database connection of the exports' own pool.",
    )
    export_send_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long an export waits for its client to take the next chunk; a client "
        "that reads nothing for that long has its download ended and its connection freed.",
    )
    shutdown_grace_seconds: int = Field(
        default=30,
        ge=0,
        le=3600,
        description="On SIGTERM, how long requests and exports under way may take to finish "
        "before they are cut.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO",
        description="Least severe log lines written: the service's own and Uvicorn's. "
        "Database drivers log at WARNING whatever the level (their DEBUG lines quote data).",
    )
    log_format: Literal["json", "console"] = Field(
        default="json",
        description="`json`: one JSON object per line, for log collectors; `console`: aligned "
        "text for a terminal.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Bearer token GET /metrics requires; unset, /metrics is open (keep it "
        "off the public network).",
    )
    max_body_bytes: int = 1024 * 1024
    max_batch_body_bytes: int = 10 * 1024 * 1024
    db_echo: bool = False
    db_connect_timeout_seconds: float = Field(
        default=3,
        gt=0,
        le=300,
        description="How long opening a database connection may take before the request is "
        "answered 503.",
    )
    db_statement_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=3600,
        description="How long one SQL statement may run (an export: one chunk of rows) before "
        "it is cancelled and the request answered 503.",
    )
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Database connections each server process keeps open for requests (up to "
        "10 more are opened while they are all busy, and closed after). Size it to the "
        "requests a process serves at once; the database must allow this many per process.",
    )
    db_pool_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=300,
        description="How long a request waits for a free database connection before it is "
        "answered 503.",
    )
    migrate_on_start: bool = Field(
        default=False,
        description="`sofifi-api serve` first brings the schema to the latest revision (the "
        "container image's default, for its SQLite database).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks go to loopback, private and link-local addresses and to plain "
        "http URLs: for tests and local development only.",
    )
    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        default=DEFAULT_WEBHOOK_RETRY_SCHEDULE,
        description="Comma-separated delays in seconds between a failed webhook delivery and "
        "its next attempt (each varied by ±20 %); after the last, the delivery is given up.",
    )
    webhook_connect_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=60,
        description="How long a webhook delivery may take to resolve its host and connect.",
    )
    webhook_timeout_seconds: float = Field(
        default=15,
        gt=0,
        le=300,
        description="How long a webhook delivery may take in all, until the receiver's answer.",
    )

    webhook_delivery: Literal["in-process", "off"] = Field(
        default="in-process",
        description="`in-process`: every server process also follows the change feed and sends "
        "webhooks; `off`: only `sofifi-api worker` processes do.",
    )
    webhook_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the webhook engine looks for changes and for deliveries due.",
    )
    webhook_retention_days: int = Field(
        default=DEFAULT_WEBHOOK_RETENTION_DAYS,
        gt=0,
        le=3650,
        description="Days a finished webhook delivery (succeeded or failed) is kept after its "
        "last attempt, and a deleted subscription after its deletion, before the engine removes "
        "them for good. Pending deliveries are kept whatever their age.",
    )

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _comma_separated_delays(cls, value: object) -> object:
        return parse_retry_schedule(value) if isinstance(value, str) else value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _delays_in_range(cls, delays: tuple[float, ...]) -> tuple[float, ...]:
        if not delays:
            raise ValueError("the retry schedule needs at least one delay")
        if len(delays) > _WEBHOOK_MAX_RETRIES:
            raise ValueError(f"the retry schedule has more than {_WEBHOOK_MAX_RETRIES} delays")
        for position, delay in enumerate(delays, start=1):
            if not math.isfinite(delay) or delay <= 0 or delay > _WEBHOOK_MAX_DELAY_SECONDS:
                raise ValueError(
                    f"delay {position} must be more than 0 and at most "
                    f"{_WEBHOOK_MAX_DELAY_SECONDS} seconds"
                )
        return delays

    @model_validator(mode="after")
    def _connect_within_total_timeout(self) -> "Settings":
        if self.webhook_connect_timeout_seconds > self.webhook_timeout_seconds:
            raise ValueError(
                "webhook_connect_timeout_seconds may not exceed webhook_timeout_seconds"
            )
        return self

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @cached_property
    def resolved_secret_key(self) -> str:
        """The secret key in force: the configured one, or the one kept for this installation."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return kept_secret_key(self.secret_key_file)


def kept_secret_key(path: Path) -> str:
    """The secret key kept at `path`, generated there on first use; readable by the owner only."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        secret = _generate_secret_key(path)
        logger.warning(
            "SOFIFI_SECRET_KEY is unset: generated a random secret key and kept it in %s. "
            "Replicas must share one key: set SOFIFI_SECRET_KEY in production.",
            path,
        )
        return secret
    except OSError as error:
        raise SecretKeyError(
            f"SOFIFI_SECRET_KEY is unset and {path} cannot be read ({type(error).__name__})."
        ) from None
    if len(secret) < _SECRET_KEY_MIN_LENGTH:
        raise SecretKeyError(f"{path} holds no usable secret key; delete it or set one.")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
        logger.warning("%s was readable by others; it is now readable by its owner only.", path)
    logger.warning(
        "SOFIFI_SECRET_KEY is unset: using the secret key kept in %s. Replicas must share one "
        "key: set SOFIFI_SECRET_KEY in production.",
        path,
    )
    return secret


def _generate_secret_key(path: Path) -> str:
    """Writes a new key to a private temporary file, then links it into place: a process starting
    at the same moment either wins the link or reads the winner's complete key."""
    secret = secrets.token_urlsafe(48)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-key-")
    except OSError as error:
        raise SecretKeyError(
            f"SOFIFI_SECRET_KEY is unset and {path} cannot be written ({type(error).__name__}); "
            "set SOFIFI_SECRET_KEY or make the directory writable."
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        os.unlink(temporary)
    return secret


def parse_retry_schedule(text: str) -> tuple[float, ...]:
    """Delays in seconds from a comma-separated list (`"5, 300, 1800"`)."""
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise ValueError("the retry schedule is empty; give comma-separated delays in seconds")
    delays: list[float] = []
    for position, item in enumerate(items, start=1):
        try:
            delays.append(float(item))
        except ValueError:
            raise ValueError(f"delay {position} ({item!r}) is not a number of seconds") from None
    return tuple(delays)


@lru_cache
def get_settings() -> Settings:
    return Settings()
