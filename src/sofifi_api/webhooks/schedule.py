"""When to try a failed delivery again: a configured list of delays, with jitter, honouring the
receiver's Retry-After within bounds, and a point past which the delivery is given up."""

import random
from collections.abc import Sequence
from dataclasses import dataclass

JITTER = 0.2
# Jitter spreads retries; it guards nothing, so a predictable generator is fine.
_jitter_source = random.Random()  # noqa: S311


@dataclass(frozen=True)
class RetrySchedule:
    """Delays as in SOFIFI_WEBHOOK_RETRY_SCHEDULE: `delays[k]` is the wait after the (k+1)-th
    failed attempt. The first attempt is immediate, so a delivery gets one more attempt than
    there are delays."""

    delays: Sequence[float]

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(
        self,
        failed_attempt: int,
        *,
        retry_after_seconds: float | None = None,
        rng: random.Random | None = None,
    ) -> float | None:
        """Seconds to wait after attempt number `failed_attempt` (1 for the first) failed, or
        None when it was the last one and the delivery is given up.

        The scheduled delay varies by ±20 % so that deliveries failing together do not come back
        together. A longer Retry-After is honoured, up to the schedule's longest delay.
        """
        if failed_attempt < 1:
            raise ValueError("attempts are numbered from 1")
        if failed_attempt > len(self.delays):
            return None
        jitter = (rng or _jitter_source).uniform(1 - JITTER, 1 + JITTER)
        delay = self.delays[failed_attempt - 1] * jitter
        if retry_after_seconds is not None:
            return max(delay, min(retry_after_seconds, max(self.delays)))
        return delay
