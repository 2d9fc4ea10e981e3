"""Fixed-window counters per client (or per any other key, such as a source address's failed
authentications), in Redis (shared by replicas) or in process."""

import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from sofifi_api.config import Settings

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
POLICY_NAME = "default"
# A key outlives its window a little, so replicas whose clocks lag slightly still find it.
KEY_GRACE_SECONDS = 5
# After Redis fails, it is left alone this long so every request does not wait on a timeout.
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.5

# INCR and the expiry in one atomic step: a window's key can never be left without a TTL.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateLimitDecision:
    """The outcome of counting one request against its client's quota."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: int
    window: int = WINDOW_SECONDS
    policy: str = POLICY_NAME

    def headers(self) -> dict[str, str]:
        """`RateLimit-Policy` and `RateLimit` as structured fields
        (draft-ietf-httpapi-ratelimit-headers)."""
        return {
            "RateLimit-Policy": f'"{self.policy}";q={self.limit};w={self.window}',
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset_after}',
        }


class RateLimiter(ABC):
    """Counts requests per client in fixed windows of a minute aligned to the clock."""

    def __init__(self, *, default_limit: int, clock: Clock = time.time) -> None:
        self.default_limit = default_limit
        self._clock = clock

    def _current_window(self) -> tuple[int, int]:
        """The current window and the seconds until it ends."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        return window, max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))

    async def hit(
        self, client_id: str, limit: int | None = None, *, policy: str = POLICY_NAME
    ) -> RateLimitDecision:
        """Counts one request of the client; `limit` is the client's own quota, if it has one."""
        quota = limit or self.default_limit
        window, reset_after = self._current_window()
        count = await self._count(client_id, window, reset_after)
        return RateLimitDecision(
            allowed=count <= quota,
            limit=quota,
            remaining=max(0, quota - count),
            reset_after=reset_after,
            policy=policy,
        )

    async def peek(self, key: str, limit: int, *, policy: str = POLICY_NAME) -> RateLimitDecision:
        """Whether one more may be counted under `key` in this window, without counting it."""
        window, reset_after = self._current_window()
        count = await self._current(key, window)
        return RateLimitDecision(
            allowed=count < limit,
            limit=limit,
            remaining=max(0, limit - count),
            reset_after=reset_after,
            policy=policy,
        )

    @abstractmethod
    async def _count(self, client_id: str, window: int, reset_after: int) -> int:
        """Adds one to the client's counter for `window` and returns the new count."""

    @abstractmethod
    async def _current(self, key: str, window: int) -> int:
        """The count under `key` in `window`, unchanged."""

    @abstractmethod
    async def close(self) -> None:
        """Releases connections, if any."""


class InMemoryRateLimiter(RateLimiter):
    """Counters in this process: exact for a single process, per process otherwise."""

    def __init__(self, *, default_limit: int, clock: Clock = time.time) -> None:
        super().__init__(default_limit=default_limit, clock=clock)
        self._counts: dict[str, tuple[int, int]] = {}
        self._window = -1
        # A thread lock, not an asyncio one: the section never awaits, and this also holds
        # when the limiter is shared by threads or event loops.
        self._lock = threading.Lock()

    async def _count(self, client_id: str, window: int, reset_after: int) -> int:
        with self._lock:
            if window > self._window:
                # Memory stays bounded by the clients active in the current window.
                self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
                self._window = window
            held_window, count = self._counts.get(client_id, (window, 0))
            count = count + 1 if held_window == window else 1
            self._counts[client_id] = (window, count)
            return count

    async def _current(self, key: str, window: int) -> int:
        with self._lock:
            held_window, count = self._counts.get(key, (window, 0))
            return count if held_window == window else 0

    def __len__(self) -> int:
        return len(self._counts)

    async def close(self) -> None:
        """Holds no connections."""


class RedisRateLimiter(RateLimiter):
    """Counters in Redis, shared by every replica that uses the same server and prefix.

    Fails open: while Redis cannot be reached, requests are counted in this process instead
    (a per-replica limit), and a warning is logged without naming the client.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        default_limit: int,
        key_prefix: str,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(default_limit=default_limit, clock=clock)
        self.redis = redis
        self.key_prefix = key_prefix
        self._script = redis.register_script(_COUNT_SCRIPT)
        self._fallback = InMemoryRateLimiter(default_limit=default_limit, clock=clock)
        self._redis_retry_at = 0.0

    @classmethod
    def from_url(
        cls, url: str, *, default_limit: int, key_prefix: str, clock: Clock = time.time
    ) -> "RedisRateLimiter":
        redis = Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        return cls(redis, default_limit=default_limit, key_prefix=key_prefix, clock=clock)

    def key(self, client_id: str, window: int) -> str:
        return f"{self.key_prefix}:{client_id}:{window}"

    async def _count(self, client_id: str, window: int, reset_after: int) -> int:
        if time.monotonic() >= self._redis_retry_at:
            try:
                count = await self._script(
                    keys=[self.key(client_id, window)], args=[reset_after + KEY_GRACE_SECONDS]
                )
                return int(count)
            except (RedisError, OSError) as exc:
                self._unreachable(exc)
        return await self._fallback._count(client_id, window, reset_after)

    def _unreachable(self, exc: Exception) -> None:
        self._redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        logger.warning(
            "rate limit store unreachable (%s); counting in this process for %.0fs",
            type(exc).__name__,
            REDIS_RETRY_SECONDS,
        )

    async def _current(self, key: str, window: int) -> int:
        if time.monotonic() >= self._redis_retry_at:
            try:
                count = await self.redis.get(self.key(key, window))
                return int(count or 0)
            except (RedisError, OSError) as exc:
                self._unreachable(exc)
        return await self._fallback._current(key, window)

    async def close(self) -> None:
        await self.redis.aclose()


def build_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when `REDIS_URL` is set, so every replica shares the counters; else in process."""
    if settings.redis_url:
        return RedisRateLimiter.from_url(
            settings.redis_url,
            default_limit=settings.rate_limit_per_minute,
            key_prefix=settings.rate_limit_key_prefix,
        )
    return InMemoryRateLimiter(default_limit=settings.rate_limit_per_minute)
