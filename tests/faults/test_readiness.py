"""A server started on a database nobody migrated says so: loudly in its log, and on its
readiness probe (while staying alive, so that migrating needs no restart)."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_database
from tests.faults.server import ServerProcess


@pytest.fixture(scope="module")
def unmigrated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("unmigrated")
    with fresh_database(directory) as url:
        server = ServerProcess(url, directory / "server.log")
        try:
            server.start()
            yield server
        finally:
            server.stop()


def test_a_server_started_on_an_unmigrated_database_logs_an_error_saying_to_migrate(
    unmigrated_server: ServerProcess,
) -> None:
    lines = [line for line in unmigrated_server.log().splitlines() if "sofifi-api migrate" in line]

    assert lines, unmigrated_server.log()
    assert "ERROR" in lines[0].upper()


def test_a_server_on_an_unmigrated_database_is_alive_but_not_ready(
    unmigrated_server: ServerProcess,
) -> None:
    alive = httpx.get(f"{unmigrated_server.url}/health", timeout=5)
    ready = httpx.get(f"{unmigrated_server.url}/health/ready", timeout=5)

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["reason"] == "not-migrated"


def test_a_server_told_to_migrate_on_start_is_ready_on_a_new_database(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        server = ServerProcess(url, tmp_path / "server.log", SOFIFI_MIGRATE_ON_START="true")
        try:
            server.start()
            ready = httpx.get(f"{server.url}/health/ready", timeout=5)
        finally:
            server.stop()

    assert ready.status_code == 200, server.log()
