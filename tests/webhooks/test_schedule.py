"""When a failed delivery is tried again, and when it is given up."""

import random

import pytest

from sofifi_api.config import DEFAULT_WEBHOOK_RETRY_SCHEDULE
from sofifi_api.webhooks.schedule import RetrySchedule

SCHEDULE = RetrySchedule((5, 300, 1800))


def test_the_default_schedule_spans_about_three_days() -> None:
    assert 2.5 * 86400 <= sum(DEFAULT_WEBHOOK_RETRY_SCHEDULE) <= 3.5 * 86400


@pytest.mark.parametrize(("attempt", "scheduled"), [(1, 5), (2, 300), (3, 1800)])
def test_each_delay_is_the_scheduled_one_within_20_percent(attempt: int, scheduled: float) -> None:
    delays = [SCHEDULE.delay_after(attempt, rng=random.Random(seed)) for seed in range(200)]

    assert all(d is not None and 0.8 * scheduled <= d <= 1.2 * scheduled for d in delays)


def test_the_delays_are_jittered() -> None:
    delays = {SCHEDULE.delay_after(2, rng=random.Random(seed)) for seed in range(20)}

    assert len(delays) == 20


def test_after_the_last_scheduled_delay_the_delivery_is_given_up() -> None:
    assert SCHEDULE.attempts == 4
    assert SCHEDULE.delay_after(3) is not None
    assert SCHEDULE.delay_after(4) is None


def test_a_longer_retry_after_is_honoured() -> None:
    assert SCHEDULE.delay_after(1, retry_after_seconds=120) == 120


def test_a_shorter_retry_after_does_not_shorten_the_scheduled_delay() -> None:
    delay = SCHEDULE.delay_after(2, retry_after_seconds=1)

    assert delay is not None
    assert delay >= 0.8 * 300


def test_retry_after_is_capped_at_the_longest_scheduled_delay() -> None:
    assert SCHEDULE.delay_after(1, retry_after_seconds=86400) == 1800


def test_retry_after_does_not_extend_the_schedule() -> None:
    assert SCHEDULE.delay_after(4, retry_after_seconds=60) is None


def test_attempts_are_numbered_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        SCHEDULE.delay_after(0)
