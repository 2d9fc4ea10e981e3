import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select, update
from typer.testing import CliRunner

from sofifi_api.areas.models import Area
from sofifi_api.cli import app
from sofifi_api.config import get_settings
from sofifi_api.db import Database, utcnow
from sofifi_api.main import create_app
from tests.areas.test_service import reference_codes
from tests.factories import SOFIFI


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


async def call_api(method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to the service on the database the CLI works on."""
    database = Database()
    application = create_app(database)
    transport = httpx.ASGITransport(app=application)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.request(method, path, **kwargs)
    finally:
        await application.state.rate_limiter.close()
        await database.dispose()


def test_clients_rotate_ends_the_access_tokens_of_the_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        created = runner.invoke(
            app, ["clients", "create", "--name", "Leaked", "--scope", "programs:read"]
        ).output.splitlines()
        client_id, key = created[0].removeprefix("client id: "), created[-1]
        bought = asyncio.run(
            call_api(
                "POST",
                "/v1/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, key),
            )
        )
        token = bought.json()["access_token"]
        assert runner.invoke(app, ["clients", "rotate", client_id]).exit_code == 0
        response = asyncio.run(
            call_api("GET", "/v1/programs", headers={"Authorization": f"Bearer {token}"})
        )
    finally:
        get_settings.cache_clear()

    assert response.status_code == 401


def test_seed_demo_runs_in_a_process_of_its_own(tmp_path: Path) -> None:
    environment = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    command = [str(Path(sys.executable).parent / "sofifi-api")]

    for arguments in (["migrate"], ["seed-demo"]):
        finished = subprocess.run(
            [*command, *arguments], env=environment, capture_output=True, text=True, check=False
        )
        assert finished.returncode == 0, finished.stderr[-2000:]


async def stored_areas(url: str) -> dict[str, tuple[str, bool]]:
    """Every area's code: its name, and whether it is deleted."""
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            areas = (await session.exec(select(Area))).all()
    finally:
        await database.dispose()
    return {area.code: (area.name, area.deleted_at is not None) for area in areas}


def test_migrate_loads_the_official_reference_areas(command_database: str) -> None:
    result = CliRunner().invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    assert f"Official reference areas added: {len(reference_codes())}" in result.output
    assert sorted(asyncio.run(stored_areas(command_database))) == sorted(reference_codes())


def test_migrate_again_leaves_an_operators_changes_to_reference_areas(
    command_database: str,
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0

    async def rename_province_and_delete_sofifi() -> None:
        database = Database(command_database)
        async with database.sessionmaker() as session, session.begin():
            await session.exec(update(Area).where(col(Area.code) == "82").values(name="Malut"))
            await session.exec(
                update(Area).where(col(Area.code) == SOFIFI).values(deleted_at=utcnow())
            )
        await database.dispose()

    asyncio.run(rename_province_and_delete_sofifi())
    before = asyncio.run(stored_areas(command_database))

    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    assert "Official reference areas added: 0" in result.output
    assert asyncio.run(stored_areas(command_database)) == before
    assert (before["82"], before[SOFIFI]) == (("Malut", False), ("Sofifi", True))


def test_migrate_without_reference_areas_loads_none(command_database: str) -> None:
    result = CliRunner().invoke(app, ["migrate", "--no-reference-areas"])

    assert result.exit_code == 0, result.output
    assert asyncio.run(stored_areas(command_database)) == {}
