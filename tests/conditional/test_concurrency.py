"""Concurrent PATCHes conditional on the same ETag: exactly one wins, the others get 412.

They run against a database that really commits (a throwaway one of the run's kind), so the
row lock on PostgreSQL and the write lock on SQLite are contended as in production.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sofifi_api.db import Database
from tests.databases import committed_client, migrated_database
from tests.factories import create_program

CONCURRENT = 10


@pytest.fixture(scope="module")
def committed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("conditional")) as url:
        yield url


@pytest.fixture
async def http(committed_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An admin partner talking to an app whose requests commit."""
    database = Database(committed_url)
    async with await committed_client(database, "admin") as client:
        yield client
    await database.dispose()


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
