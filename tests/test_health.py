import asyncio
from pathlib import Path

import httpx
from alembic import command

from sofifi_api.db import Database
from sofifi_api.main import create_app
from tests.conftest import alembic_config
from tests.databases import fresh_database, migrated_database


async def test_liveness_probe_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_probe_answers_ok_when_the_database_answers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def _readiness_on(url: str) -> httpx.Response:
    async def ask() -> httpx.Response:
        database = Database(url)
        transport = httpx.ASGITransport(app=create_app(database), raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                return await http.get("/health/ready")
        finally:
            await database.dispose()

    return asyncio.run(ask())


def test_readiness_probe_is_503_not_migrated_on_a_database_without_schema(
    tmp_path: Path,
) -> None:
    with fresh_database(tmp_path) as url:
        response = _readiness_on(url)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    problem = response.json()
    assert problem["type"] == "/problems/not-ready"
    assert problem["reason"] == "not-migrated"
    assert "sofifi-api migrate" in problem["detail"]


def test_readiness_probe_is_503_behind_while_a_migration_is_pending(tmp_path: Path) -> None:
    with migrated_database(tmp_path) as url:
        command.downgrade(alembic_config(url), "-1")
        response = _readiness_on(url)

    assert response.status_code == 503
    assert response.json()["reason"] == "behind"
