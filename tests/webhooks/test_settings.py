"""The webhook settings: read from the environment, and a malformed one stops the start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from sofifi_api.config import (
    DEFAULT_WEBHOOK_RETENTION_DAYS,
    DEFAULT_WEBHOOK_RETRY_SCHEDULE,
    Settings,
)
from tests.servers import free_port


def test_by_default_private_destinations_are_refused_and_the_schedule_is_the_default() -> None:
    settings = Settings()

    assert settings.webhook_allow_private is False
    assert settings.webhook_retry_schedule == DEFAULT_WEBHOOK_RETRY_SCHEDULE
    assert (settings.webhook_connect_timeout_seconds, settings.webhook_timeout_seconds) == (5, 15)


def test_the_retry_schedule_is_read_as_comma_separated_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOFIFI_WEBHOOK_RETRY_SCHEDULE", " 0.5, 2,60 ")

    assert Settings().webhook_retry_schedule == (0.5, 2, 60)


def test_private_destinations_are_allowed_by_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFIFI_WEBHOOK_ALLOW_PRIVATE", "true")

    assert Settings().webhook_allow_private is True


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("", "empty"),
        ("5,,60", "delay 2 ('') is not a number"),
        ("5,soon", "delay 2 ('soon') is not a number"),
        ("0", "delay 1 must be more than 0"),
        ("-5", "delay 1 must be more than 0"),
        ("nan", "delay 1 must be more than 0"),
        ("5,9999999", "delay 2 must be more than 0 and at most 604800"),
        (",".join(["5"] * 101), "more than 100 delays"),
    ],
)
def test_a_malformed_retry_schedule_is_refused_with_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, schedule: str, message: str
) -> None:
    monkeypatch.setenv("SOFIFI_WEBHOOK_RETRY_SCHEDULE", schedule)

    with pytest.raises(ValidationError, match="webhook_retry_schedule") as refused:
        Settings()

    assert message in str(refused.value)


def test_the_delivery_log_is_kept_30_days_unless_set_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().webhook_retention_days == DEFAULT_WEBHOOK_RETENTION_DAYS == 30
    monkeypatch.setenv("SOFIFI_WEBHOOK_RETENTION_DAYS", "3")

    assert Settings().webhook_retention_days == 3


@pytest.mark.parametrize("days", ["0", "-1", "1.5", "soon"])
def test_a_retention_that_is_not_a_positive_number_of_days_is_refused(
    monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.setenv("SOFIFI_WEBHOOK_RETENTION_DAYS", days)

    with pytest.raises(ValidationError, match="webhook_retention_days"):
        Settings()


def test_a_connect_timeout_longer_than_the_whole_delivery_is_refused() -> None:
    with pytest.raises(ValidationError, match="may not exceed webhook_timeout_seconds"):
        Settings(webhook_connect_timeout_seconds=20, webhook_timeout_seconds=15)


def test_the_service_does_not_start_with_a_malformed_retry_schedule() -> None:
    environment = os.environ | {
        "SOFIFI_WEBHOOK_RETRY_SCHEDULE": "5,soon",
        "PORT": str(free_port()),
    }

    started = subprocess.run(
        [str(Path(sys.executable).parent / "sofifi-api"), "serve"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert started.returncode != 0
    output = started.stdout + started.stderr
    assert "webhook_retry_schedule" in output
    assert "delay 2 ('soon')" in output
