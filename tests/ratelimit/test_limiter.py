"""Both limiter backends count the same way; the Redis one shares counters between replicas."""

import asyncio
import logging
import uuid

import pytest
from redis.asyncio import Redis

from sofifi_api.config import Settings
from sofifi_api.ratelimit.limiter import (
    KEY_GRACE_SECONDS,
    InMemoryRateLimiter,
    RateLimitDecision,
    RateLimiter,
    RedisRateLimiter,
    build_rate_limiter,
)
from tests.ratelimit.conftest import FrozenClock


def new_client_id() -> str:
    return str(uuid.uuid4())


async def hit_times(limiter: RateLimiter, client_id: str, times: int) -> list[RateLimitDecision]:
    return [await limiter.hit(client_id, 3) for _ in range(times)]


async def test_first_request_leaves_the_quota_less_one(limiter: RateLimiter) -> None:
    decision = await limiter.hit(new_client_id())

    assert decision.allowed
    assert decision.limit == limiter.default_limit
    assert decision.remaining == limiter.default_limit - 1


async def test_requests_beyond_the_limit_are_refused(limiter: RateLimiter) -> None:
    decisions = await hit_times(limiter, new_client_id(), 4)

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]


async def test_reset_after_counts_the_seconds_left_in_the_window(limiter: RateLimiter) -> None:
    decision = await limiter.hit(new_client_id())

    assert decision.reset_after == 50
    assert decision.window == 60


async def test_reset_after_rounds_a_partial_second_up(
    limiter: RateLimiter, clock: FrozenClock
) -> None:
    clock.advance(49.5)

    decision = await limiter.hit(new_client_id())

    assert decision.reset_after == 1


async def test_quota_is_whole_again_in_the_next_window(
    limiter: RateLimiter, clock: FrozenClock
) -> None:
    client_id = new_client_id()
    await hit_times(limiter, client_id, 4)
    clock.advance(50)

    decision = await limiter.hit(client_id, 3)

    assert decision.allowed
    assert decision.remaining == 2
    assert decision.reset_after == 60


async def test_clients_are_counted_separately(limiter: RateLimiter) -> None:
    await hit_times(limiter, new_client_id(), 4)

    decision = await limiter.hit(new_client_id(), 3)

    assert decision.allowed
    assert decision.remaining == 2


async def test_client_limit_replaces_the_default(limiter: RateLimiter) -> None:
    decision = await limiter.hit(new_client_id(), 5)

    assert decision.limit == 5
    assert decision.remaining == 4


async def test_concurrent_requests_are_each_counted_once(limiter: RateLimiter) -> None:
    client_id = new_client_id()

    decisions = await asyncio.gather(*(limiter.hit(client_id, 20) for _ in range(50)))

    assert sum(d.allowed for d in decisions) == 20
    assert sorted(d.remaining for d in decisions if d.allowed) == list(range(20))


def test_headers_are_structured_fields_of_the_default_policy() -> None:
    decision = RateLimitDecision(allowed=True, limit=600, remaining=599, reset_after=42)

    assert decision.headers() == {
        "RateLimit-Policy": '"default";q=600;w=60',
        "RateLimit": '"default";r=599;t=42',
    }


async def test_in_memory_limiter_forgets_past_windows(clock: FrozenClock) -> None:
    limiter = InMemoryRateLimiter(default_limit=10, clock=clock)
    for _ in range(3):
        await limiter.hit(new_client_id())
    clock.advance(60)

    await limiter.hit(new_client_id())

    assert len(limiter) == 1


async def test_redis_counter_key_is_namespaced_and_expires_after_its_window(
    redis_server: Redis, redis_url: str, key_prefix: str, clock: FrozenClock
) -> None:
    limiter = RedisRateLimiter.from_url(
        redis_url, default_limit=10, key_prefix=key_prefix, clock=clock
    )
    client_id = new_client_id()
    await limiter.hit(client_id)
    await limiter.close()
    key = f"{key_prefix}:{client_id}:{int(clock.now // 60)}"

    assert await redis_server.get(key) == b"1"
    assert 0 < await redis_server.ttl(key) <= 50 + KEY_GRACE_SECONDS


async def test_redis_limiters_of_two_replicas_share_the_count(
    redis_url: str, key_prefix: str, clock: FrozenClock
) -> None:
    first, second = (
        RedisRateLimiter.from_url(redis_url, default_limit=3, key_prefix=key_prefix, clock=clock)
        for _ in range(2)
    )
    client_id = new_client_id()

    decisions = [await limiter.hit(client_id) for limiter in (first, second, first, second)]
    await first.close()
    await second.close()

    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert not decisions[-1].allowed


async def test_unreachable_redis_lets_requests_through_counted_in_process(
    clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisRateLimiter.from_url(
        "redis://127.0.0.1:1/0", default_limit=2, key_prefix="unused", clock=clock
    )
    client_id = new_client_id()

    with caplog.at_level(logging.WARNING, logger="sofifi_api.ratelimit.limiter"):
        decisions = [await limiter.hit(client_id) for _ in range(3)]
    await limiter.close()

    assert [d.allowed for d in decisions] == [True, True, False]
    assert len(caplog.records) == 1
    assert "unreachable" in caplog.records[0].getMessage()
    assert client_id not in caplog.text


async def test_limiter_uses_redis_when_redis_url_is_set() -> None:
    limiter = build_rate_limiter(
        Settings(redis_url="redis://127.0.0.1:6379/0", rate_limit_per_minute=42)
    )
    await limiter.close()

    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.default_limit == 42


def test_limiter_counts_in_process_without_redis_url() -> None:
    limiter = build_rate_limiter(Settings(redis_url=None, rate_limit_per_minute=42))

    assert isinstance(limiter, InMemoryRateLimiter)
    assert limiter.default_limit == 42
