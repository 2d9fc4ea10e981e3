"""Counting an authenticated request against its client's quota (429 when it is spent)."""

import uuid

from fastapi import Request

from sofifi_api import metrics
from sofifi_api.errors import ApiError
from sofifi_api.ratelimit.limiter import RateLimitDecision, RateLimiter


class TooManyRequests(ApiError):
    status, title, slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, decision: RateLimitDecision) -> None:
        super().__init__(
            f"This client may make {decision.limit} requests per {decision.window} seconds; "
            f"retry after {decision.reset_after} seconds.",
            headers={"Retry-After": str(decision.reset_after)},
        )


async def enforce_rate_limit(request: Request, client_id: uuid.UUID, limit: int | None) -> None:
    """Counts the request; the decision in `request.state` becomes the response's headers."""
    limiter: RateLimiter = request.app.state.rate_limiter
    decision = await limiter.hit(str(client_id), limit)
    request.state.rate_limit = decision
    if not decision.allowed:
        metrics.RATE_LIMIT_REFUSALS.labels(decision.policy).inc()
        raise TooManyRequests(decision)
