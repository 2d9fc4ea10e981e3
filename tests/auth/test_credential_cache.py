"""Authentication from the grant cache: no query for a credential seen a moment ago, and never
longer than the change to a client or key allows."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.cache import HOLD_SECONDS, GrantCache
from sofifi_api.auth.tokens import issue_access_token
from sofifi_api.clients import service
from sofifi_api.clients.models import ApiClient, ApiKey
from sofifi_api.clients.service import LiveKey
from sofifi_api.db import utcnow
from tests.conftest import ClientFactory


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    """The SQL sent on the test's connection, as it is sent."""
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    sync_connection = connection.sync_connection
    assert sync_connection is not None
    event.listen(sync_connection, "before_cursor_execute", record)
    yield sent
    event.remove(sync_connection, "before_cursor_execute", record)


def _reads_credentials(sent: list[str]) -> bool:
    return any("api_keys" in statement or "api_clients" in statement for statement in sent)


async def test_a_key_seen_a_moment_ago_is_authenticated_without_a_query(
    make_client: ClientFactory, statements: list[str]
) -> None:
    partner = await make_client("areas:read")
    statements.clear()
    assert (await partner.get("/v1/areas")).status_code == 200
    assert _reads_credentials(statements)
    statements.clear()

    assert (await partner.get("/v1/areas")).status_code == 200

    assert not _reads_credentials(statements)


async def test_a_token_seen_a_moment_ago_is_authenticated_without_a_query(
    anonymous_client: httpx.AsyncClient, session: AsyncSession, statements: list[str]
) -> None:
    issued = await service.create_client(session, name="Token holder", scopes=["areas:read"])
    await session.flush()
    token = issue_access_token(issued.client.id, issued.key_id, ["areas:read"], utcnow())
    bearer = {"Authorization": f"Bearer {token.token}"}
    statements.clear()
    assert (await anonymous_client.get("/v1/areas", headers=bearer)).status_code == 200
    assert _reads_credentials(statements)
    statements.clear()

    assert (await anonymous_client.get("/v1/areas", headers=bearer)).status_code == 200

    assert not _reads_credentials(statements)


async def test_a_revocation_in_this_process_stops_a_held_key_at_once(
    make_client: ClientFactory, client: httpx.AsyncClient
) -> None:
    partner = await make_client("areas:read", name="Revoked at once")
    assert (await partner.get("/v1/areas")).status_code == 200
    listed = (await client.get("/v1/clients")).json()["data"]
    partner_id = next(c["id"] for c in listed if c["name"] == "Revoked at once")
    assert (await client.post(f"/v1/clients/{partner_id}/revoke")).status_code == 200

    assert (await partner.get("/v1/areas")).status_code == 401


def _live_key(expires_at_offset: timedelta | None) -> LiveKey:
    client = ApiClient(name="Held", scopes=["areas:read"])
    expires_at = None if expires_at_offset is None else utcnow() + expires_at_offset
    key = ApiKey(
        client_id=client.id, lookup_id="abcdefghij", digest="0" * 64, expires_at=expires_at
    )
    return LiveKey(key, client)


class Loads:
    """A loader that counts its calls and returns `live`."""

    def __init__(self, live: LiveKey | None) -> None:
        self.live = live
        self.calls = 0

    async def __call__(self) -> LiveKey | None:
        self.calls += 1
        return self.live


async def test_a_held_grant_is_refused_once_its_key_lapses() -> None:
    cache = GrantCache()
    load = Loads(_live_key(timedelta(seconds=-1)))

    first = await cache.grant("key:lapsed", load)
    second = await cache.grant("key:lapsed", load)

    assert (first, second) == (None, None)
    assert load.calls == 1


async def test_a_grant_is_loaded_again_after_the_hold() -> None:
    now = [0.0]
    cache = GrantCache(clock=lambda: now[0])
    load = Loads(_live_key(None))
    await cache.grant("key:held", load)
    await cache.grant("key:held", load)
    assert load.calls == 1

    now[0] += HOLD_SECONDS
    await cache.grant("key:held", load)

    assert load.calls == 2


async def test_a_refused_credential_is_not_held() -> None:
    cache = GrantCache()
    load = Loads(None)

    await cache.grant("key:unknown", load)
    await cache.grant("key:unknown", load)

    assert load.calls == 2
    assert len(cache) == 0


async def test_the_cache_holds_at_most_its_bound() -> None:
    cache = GrantCache(max_entries=3)
    load = Loads(_live_key(None))

    for number in range(10):
        await cache.grant(f"key:{number}", load)

    assert len(cache) == 3


class SlowLoads(Loads):
    """A load that waits until it is let through."""

    def __init__(self, live: LiveKey | None, *, fails: bool = False) -> None:
        super().__init__(live)
        self.through = asyncio.Event()
        self.fails = fails

    async def __call__(self) -> LiveKey | None:
        self.calls += 1
        await self.through.wait()
        if self.fails and self.calls == 1:
            raise ConnectionError("the database went away")
        return self.live


async def test_requests_missing_a_key_together_load_it_once() -> None:
    cache = GrantCache()
    load = SlowLoads(_live_key(None))
    waiting = [asyncio.create_task(cache.grant("key:busy", load)) for _ in range(16)]
    await asyncio.sleep(0)

    load.through.set()
    grants = await asyncio.gather(*waiting)

    assert load.calls == 1
    assert all(grant is not None for grant in grants)


async def test_requests_waiting_on_a_failed_load_load_the_key_themselves() -> None:
    cache = GrantCache()
    load = SlowLoads(_live_key(None), fails=True)
    first = asyncio.create_task(cache.grant("key:flaky", load))
    second = asyncio.create_task(cache.grant("key:flaky", load))
    await asyncio.sleep(0)

    load.through.set()

    with pytest.raises(ConnectionError):
        await first
    assert await second is not None
    assert load.calls == 2
