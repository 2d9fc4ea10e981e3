"""`sofifi-api clients bootstrap-admin`: the first key of a new installation, and only that."""

import asyncio

from alembic import command
from typer.testing import CliRunner

from sofifi_api.cli import app
from tests.conftest import alembic_config
from tests.test_cli import call_api


def test_bootstrap_admin_prints_a_key_that_opens_the_admin_api(command_database: str) -> None:
    command.upgrade(alembic_config(command_database), "head")
    runner = CliRunner()

    result = runner.invoke(app, ["clients", "bootstrap-admin"])

    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    listed = asyncio.run(call_api("GET", "/v1/clients", headers={"Authorization": f"Bearer {key}"}))
    assert listed.status_code == 200, listed.text
    assert [client["scopes"] for client in listed.json()["data"]] == [["admin"]]


def test_bootstrap_admin_issues_nothing_once_a_client_exists(command_database: str) -> None:
    command.upgrade(alembic_config(command_database), "head")
    runner = CliRunner()
    created = runner.invoke(app, ["clients", "create", "--name", "Bappeda", "--scope", "admin"])
    assert created.exit_code == 0, created.output

    result = runner.invoke(app, ["clients", "bootstrap-admin"])

    assert result.exit_code == 1
    assert "API clients already exist" in result.output
    assert "sfk_" not in result.output
    listed = runner.invoke(app, ["clients", "list"]).output.strip().splitlines()
    assert len(listed) == 1
    assert "Bappeda" in listed[0]


def test_bootstrap_admin_on_an_unmigrated_database_says_to_migrate(command_database: str) -> None:
    result = CliRunner().invoke(app, ["clients", "bootstrap-admin"])

    assert result.exit_code == 1
    assert "run `sofifi-api migrate`" in result.output
