"""Rate limiter fixtures: both backends, the Redis one against a real server.

The Redis tests use SOFIFI_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). When it cannot be
reached they are skipped, except in CI (`CI=true`), where they fail. Every run counts under a
key prefix of its own and deletes its keys at the end.
"""

import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service as clients_service
from sofifi_api.ratelimit.limiter import (
    WINDOW_SECONDS,
    InMemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)

REDIS_URL = os.environ.get("SOFIFI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECONDS_INTO_WINDOW = 10


class FrozenClock:
    """A clock that moves only when told, started 10 s into the current real window."""

    def __init__(self) -> None:
        self.now = (time.time() // WINDOW_SECONDS) * WINDOW_SECONDS + SECONDS_INTO_WINDOW

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis server's URL; skipped if it is unreachable, except in CI."""
    with SyncRedis.from_url(REDIS_URL, socket_connect_timeout=1) as redis:
        try:
            redis.ping()
        except (RedisError, OSError) as exc:
            reason = f"Redis at {REDIS_URL} is unreachable ({type(exc).__name__})"
            if _in_ci():
                pytest.fail(f"{reason}; CI must run the Redis rate limit tests.")
            pytest.skip(f"{reason}; start redis-server or set SOFIFI_TEST_REDIS_URL.")
    return REDIS_URL


@pytest.fixture(scope="session")
def key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix for this run only; its keys are deleted afterwards."""
    prefix = f"sofifi-test:{uuid.uuid4().hex}:ratelimit"
    yield prefix
    with SyncRedis.from_url(redis_url) as redis:
        keys = list(redis.scan_iter(match=f"{prefix}:*"))
        if keys:
            redis.delete(*keys)


@pytest.fixture
async def redis_server(redis_url: str) -> AsyncIterator[Redis]:
    """A connection to the real Redis server, for looking at the counters."""
    redis = Redis.from_url(redis_url)
    yield redis
    await redis.aclose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


LimiterFactory = Callable[..., RateLimiter]


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(
    request: pytest.FixtureRequest, clock: FrozenClock
) -> AsyncIterator[LimiterFactory]:
    """Builds limiters of one backend on the test's clock; Redis ones share one key prefix."""
    made: list[RateLimiter] = []
    prefix = request.getfixturevalue("key_prefix") if request.param == "redis" else ""

    def make(default_limit: int = 600) -> RateLimiter:
        limiter: RateLimiter
        if request.param == "redis":
            # The service's half-second timeout would let a loaded test machine fall back to
            # counting in the process; these tests are about how Redis counts.
            redis = Redis.from_url(
                request.getfixturevalue("redis_url"), socket_connect_timeout=10, socket_timeout=10
            )
            limiter = RedisRateLimiter(
                redis, default_limit=default_limit, key_prefix=prefix, clock=clock
            )
        else:
            limiter = InMemoryRateLimiter(default_limit=default_limit, clock=clock)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.close()


@pytest.fixture
def limiter(make_limiter: LimiterFactory) -> RateLimiter:
    return make_limiter()


@pytest.fixture
def limited_app(app: FastAPI, limiter: RateLimiter) -> FastAPI:
    """The application counting with the test's limiter (in process or in Redis)."""
    app.state.rate_limiter = limiter
    return app


KeyFactory = Callable[..., Awaitable[str]]
ClientOpener = Callable[[FastAPI, str], httpx.AsyncClient]
PartnerFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def issue_key(session: AsyncSession) -> KeyFactory:
    """Creates a client with the given rate limit (None: the default) and returns its API key."""

    async def issue(
        rate_limit_per_minute: int | None = None, *, scopes: tuple[str, ...] = ("programs:read",)
    ) -> str:
        issued = await clients_service.create_client(
            session,
            name="Rate limited partner",
            scopes=scopes,
            rate_limit_per_minute=rate_limit_per_minute,
        )
        await session.flush()
        return issued.key

    return issue


@pytest.fixture
async def open_client() -> AsyncIterator[ClientOpener]:
    """Opens HTTP clients sending a key to an application, and closes them afterwards."""
    opened: list[httpx.AsyncClient] = []

    def open_(app: FastAPI, key: str) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {key}"},
        )
        opened.append(http)
        return http

    yield open_
    for http in opened:
        await http.aclose()


@pytest.fixture
def make_partner(
    limited_app: FastAPI, issue_key: KeyFactory, open_client: ClientOpener
) -> PartnerFactory:
    """An HTTP client for a new client with the given rate limit, on the limited application."""

    async def make(
        rate_limit_per_minute: int | None = None, *, scopes: tuple[str, ...] = ("programs:read",)
    ) -> httpx.AsyncClient:
        return open_client(limited_app, await issue_key(rate_limit_per_minute, scopes=scopes))

    return make
