"""Failed authentications, counted per source address and per client the credential names.

Past a limit, every attempt from that address or naming that client is refused with 429 until
the window ends, before its credential is even checked: a right guess then earns nothing more
than a wrong one. The counters are the rate limiter's (fixed windows, in Redis when configured).
"""

import uuid
from dataclasses import dataclass

from fastapi import Request

from sofifi_api import metrics
from sofifi_api.auth.credentials import lookup_id_of
from sofifi_api.config import Settings
from sofifi_api.errors import ApiError
from sofifi_api.ratelimit.limiter import RateLimitDecision, RateLimiter

POLICY = "failed-auth"


@dataclass(frozen=True)
class FailureLimits:
    """Failed authentications allowed per minute, per source address and per client."""

    per_address: int
    per_client: int

    @classmethod
    def of(cls, settings: Settings) -> "FailureLimits":
        return cls(
            per_address=settings.failed_auth_limit_per_address,
            per_client=settings.failed_auth_limit_per_client,
        )


class TooManyFailedAuthentications(ApiError):
    status, title, slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, decision: RateLimitDecision, source: str) -> None:
        super().__init__(
            f"Too many failed authentications {source}; every credential is refused for "
            f"{decision.reset_after} seconds.",
            headers={"Retry-After": str(decision.reset_after), **decision.headers()},
        )


def key_claimant(credential: str) -> str | None:
    """The API key a bearer credential names, by its public lookup id; None for anything else."""
    lookup_id = lookup_id_of(credential)
    return f"key:{lookup_id}" if lookup_id else None


def client_claimant(client_id: str) -> str | None:
    """The client a token request names, if its id is one."""
    try:
        return f"client:{uuid.UUID(client_id)}"
    except ValueError:
        return None


@dataclass(frozen=True)
class AuthenticationAttempt:
    """One credential presented by a request; `claimant` is whom it claims to be, if it says."""

    request: Request
    claimant: str | None

    def _counters(self) -> list[tuple[str, int, str]]:
        limits: FailureLimits = self.request.app.state.failed_auth_limits
        address = self.request.client.host if self.request.client else "unknown"
        counters = [(f"{POLICY}:address:{address}", limits.per_address, "from this address")]
        if self.claimant is not None:
            counters.append((f"{POLICY}:{self.claimant}", limits.per_client, "for this client"))
        return counters

    async def refuse_if_throttled(self) -> None:
        """429 when the address or the claimed client has used up its failures this window."""
        limiter: RateLimiter = self.request.app.state.rate_limiter
        for key, limit, source in self._counters():
            decision = await limiter.peek(key, limit, policy=POLICY)
            if not decision.allowed:
                metrics.RATE_LIMIT_REFUSALS.labels(POLICY).inc()
                raise TooManyFailedAuthentications(decision, source)

    async def failed(self) -> None:
        """Counts the failure against the address and the claimed client."""
        limiter: RateLimiter = self.request.app.state.rate_limiter
        for key, limit, _source in self._counters():
            await limiter.hit(key, limit, policy=POLICY)
