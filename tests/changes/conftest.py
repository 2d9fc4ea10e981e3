"""The feed is read against a database that really commits: on PostgreSQL a change becomes
visible only once its transaction has finished, which the rolled-back test transaction of
the other tests never does."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest

from sofifi_api.db import Database
from tests.databases import committed_client, migrated_database
from tests.factories import create_reference_areas

CHANGES = "/v1/changes"
Partner = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(scope="module")
def feed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("changes")) as url:
        yield url


@pytest.fixture(scope="module")
async def feed_database(feed_url: str) -> AsyncIterator[Database]:
    database = Database(feed_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="module")
async def admin(feed_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An admin partner; the official areas around Sofifi exist."""
    http = await committed_client(feed_database, "admin")
    await create_reference_areas(http)
    yield http
    await http.aclose()


@pytest.fixture
async def partner(feed_database: Database) -> AsyncIterator[Partner]:
    opened: list[httpx.AsyncClient] = []

    async def make(*scopes: str, area_codes: Sequence[str] = ()) -> httpx.AsyncClient:
        http = await committed_client(feed_database, *scopes, area_codes=area_codes)
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()


async def read_page(
    http: httpx.AsyncClient, cursor: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    if cursor is not None:
        params["cursor"] = cursor
    response = await http.get(CHANGES, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["data"], body["next_cursor"]


async def follow(
    http: httpx.AsyncClient, cursor: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every entry from `cursor` until the feed is caught up, and the cursor to poll with."""
    entries: list[dict[str, Any]] = []
    while True:
        data, cursor = await read_page(http, cursor, **params)
        if not data:
            return entries, cursor
        entries += data


async def end_of_feed(http: httpx.AsyncClient) -> str:
    """A cursor past everything written so far."""
    return (await follow(http, limit=500))[1]


def by_key(entries: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last entry of each resource: what a follower's copy holds."""
    return {(entry["type"], entry["id"]): entry for entry in entries}
