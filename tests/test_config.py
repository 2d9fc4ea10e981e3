"""The secret key: configured, or generated once per installation and kept owner-only."""

import logging
import stat
from pathlib import Path

import pytest

from sofifi_api.config import Settings
from sofifi_api.participants.crypto import keys_for

NIK = "8271014107860001"


def unconfigured(directory: Path) -> Settings:
    """The settings of a service started in `directory` without SOFIFI_SECRET_KEY."""
    return Settings(secret_key=None, secret_key_file=directory / "var" / "secret-key")


def test_unset_secret_key_is_generated_and_kept_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    secret = unconfigured(tmp_path).resolved_secret_key

    kept = tmp_path / "var" / "secret-key"
    assert kept.read_text().strip() == secret
    assert len(secret) >= 32
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_later_start_reuses_the_kept_secret_key(tmp_path: Path) -> None:
    first = unconfigured(tmp_path).resolved_secret_key

    assert unconfigured(tmp_path).resolved_secret_key == first


def test_every_installation_generates_a_secret_key_of_its_own(tmp_path: Path) -> None:
    one = unconfigured(tmp_path / "one").resolved_secret_key
    other = unconfigured(tmp_path / "other").resolved_secret_key

    assert one != other


def test_generating_the_secret_key_warns_without_showing_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        secret = unconfigured(tmp_path).resolved_secret_key

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("SOFIFI_SECRET_KEY" in message for message in warnings)
    assert all(secret not in message for message in warnings)


def test_a_kept_secret_key_others_can_read_is_made_owner_only(tmp_path: Path) -> None:
    secret = unconfigured(tmp_path).resolved_secret_key
    kept = tmp_path / "var" / "secret-key"
    kept.chmod(0o644)

    reused = unconfigured(tmp_path).resolved_secret_key

    assert reused == secret
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_configured_secret_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(
        secret_key="a-configured-secret-key-of-some-length",  # type: ignore[arg-type]
        secret_key_file=tmp_path / "var" / "secret-key",
    )

    assert settings.resolved_secret_key == "a-configured-secret-key-of-some-length"
    assert not (tmp_path / "var").exists()


def test_development_personal_data_keys_survive_a_restart(tmp_path: Path) -> None:
    before = keys_for(unconfigured(tmp_path))
    stored = before.encrypt(NIK)

    after = keys_for(unconfigured(tmp_path))

    assert after.decrypt(stored) == NIK
    assert after.nik_digest(NIK) == before.nik_digest(NIK)
