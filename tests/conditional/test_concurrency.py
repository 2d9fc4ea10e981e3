"""Concurrent PATCHes conditional on the same ETag: exactly one wins, the others get 412.

They run against a database that really commits (a throwaway one of the run's kind), so the
row lock on PostgreSQL and the write lock on SQLite are contended as in production.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from alembic import command

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database
from sofifi_api.main import create_app
from tests.conftest import alembic_config
from tests.databases import fresh_database
from tests.factories import create_program

CONCURRENT = 10


@pytest.fixture(scope="module")
def committed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("conditional")) as url:
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.fixture
async def committed_database(committed_url: str) -> AsyncIterator[Database]:
    database = Database(committed_url)
    yield database
    await database.dispose()


@pytest.fixture
async def http(committed_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An admin partner talking to an app whose requests commit."""
    async with committed_database.sessionmaker() as session:
        issued = await clients_service.create_client(
            session, name="Bappeda Malut sync", scopes=["admin"]
        )
        await session.commit()
    transport = httpx.ASGITransport(app=create_app(committed_database), raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {issued.key}"},
        timeout=60,
    ) as client:
        yield client


async def burst(http: httpx.AsyncClient, url: str, etag: str) -> list[httpx.Response]:
    """CONCURRENT different changes at once, each conditional on the same ETag."""
    return await asyncio.gather(
        *(
            http.patch(url, json={"budget_idr": 1_000_000 * (n + 1)}, headers={"If-Match": etag})
            for n in range(CONCURRENT)
        )
    )


async def test_concurrent_patches_with_one_etag_let_exactly_one_through(
    http: httpx.AsyncClient,
) -> None:
    url = f"/v1/programs/{(await create_program(http))['id']}"
    etag = (await http.get(url)).headers["ETag"]

    responses = await burst(http, url, etag)

    assert sorted(r.status_code for r in responses) == [200] + [412] * (CONCURRENT - 1)


async def test_the_winning_patch_is_the_one_stored(http: httpx.AsyncClient) -> None:
    url = f"/v1/programs/{(await create_program(http))['id']}"
    etag = (await http.get(url)).headers["ETag"]

    responses = await burst(http, url, etag)

    [winner] = [r for r in responses if r.status_code == 200]
    assert (await http.get(url)).json()["budget_idr"] == winner.json()["budget_idr"]
