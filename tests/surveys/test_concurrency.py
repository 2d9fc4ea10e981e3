"""Concurrent publishes of one survey each get their own version number.

They run against a database that really commits (a throwaway one of the run's kind), so the
survey row is contended as in production. PostgreSQL queues the publishers on the row lock; SQLite
refuses a writer whose snapshot went stale with a retryable 503, never with a shared number.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sofifi_api.db import Database
from tests.databases import committed_client, migrated_database
from tests.factories import SURVEY_QUESTIONS, create_survey

CONCURRENT = 10


@pytest.fixture(scope="module")
def committed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("surveys")) as url:
        yield url


@pytest.fixture
async def http(committed_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An admin partner talking to an app whose requests commit."""
    database = Database(committed_url)
    async with await committed_client(database, "admin") as client:
        yield client
    await database.dispose()


async def test_concurrent_publishes_get_distinct_consecutive_numbers(
    http: httpx.AsyncClient, committed_url: str
) -> None:
    survey = await create_survey(http)
    path = f"/v1/surveys/{survey['id']}/versions"

    responses = await asyncio.gather(
        *(http.post(path, json={"questions": SURVEY_QUESTIONS}) for _ in range(CONCURRENT))
    )

    allowed = {201} if committed_url.startswith("postgres") else {201, 503}
    assert {response.status_code for response in responses} <= allowed
    numbers = sorted(r.json()["version"] for r in responses if r.status_code == 201)
    assert numbers == list(range(2, len(numbers) + 2))
    latest = (await http.get(f"/v1/surveys/{survey['id']}")).json()
    assert latest["versions"] == [1, *numbers]
