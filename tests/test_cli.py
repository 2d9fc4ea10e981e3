from pathlib import Path

import pytest
from typer.testing import CliRunner

from sofifi_api.cli import app
from sofifi_api.config import get_settings


def test_help_lists_serve_migrate_and_seed_demo() -> None:
    result = CliRunner().invoke(app, ["--help"])

    assert result.exit_code == 0
    for command in ("serve", "migrate", "seed-demo"):
        assert command in result.output


def test_clients_create_prints_the_key_alone_on_the_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        result = runner.invoke(
            app,
            [
                "clients",
                "create",
                "--name",
                "Bappeda sync",
                "--scope",
                "programs:read",
                "--scope",
                "feedback:read",
            ],
        )
        listed = runner.invoke(app, ["clients", "list"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    last_line = result.output.strip().splitlines()[-1]
    assert last_line.startswith("sfk_")
    assert " " not in last_line
    assert "Bappeda sync" in listed.output
    assert last_line not in listed.output


def test_clients_create_refuses_an_unknown_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        runner.invoke(app, ["migrate"])
        result = runner.invoke(app, ["clients", "create", "--name", "X", "--scope", "all:read"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1
    assert "Unknown scope" in result.output


def test_participants_duplicates_counts_the_flagged_persons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        runner.invoke(app, ["migrate"])
        result = runner.invoke(app, ["participants", "duplicates"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "0 possible duplicates."
