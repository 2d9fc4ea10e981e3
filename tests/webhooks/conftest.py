"""The delivery engine runs against a database that really commits, as in production: the
follower reads the change feed only once the writing transactions have finished."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service as clients_service
from sofifi_api.config import get_settings
from sofifi_api.db import Database, begin_writing, utcnow
from sofifi_api.webhooks import service
from sofifi_api.webhooks.dispatcher import DispatchSettings
from sofifi_api.webhooks.engine import Engine
from sofifi_api.webhooks.models import WebhookDelivery, WebhookSubscription
from sofifi_api.webhooks.schedule import RetrySchedule
from sofifi_api.webhooks.sender import DeliveryTimeouts
from tests.databases import committed_client, migrated_database
from tests.factories import create_reference_areas

# A tiny retry schedule: two retries, moments apart.
SCHEDULE = (0.05, 0.05)


@pytest.fixture(scope="module")
def hooks_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("webhooks")) as url:
        yield url


@pytest.fixture(scope="module")
async def hooks_database(hooks_url: str) -> AsyncIterator[Database]:
    database = Database(hooks_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="module")
async def admin(hooks_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An admin partner writing through the API; the official areas around Sofifi exist."""
    http = await committed_client(hooks_database, "admin")
    await create_reference_areas(http)
    yield http
    await http.aclose()


@pytest.fixture
def private_destinations(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Loopback receivers over plain http, as the operator setting allows, for what the API
    itself sends (pings, redeliveries); retries moments apart."""
    monkeypatch.setenv("SOFIFI_WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("SOFIFI_WEBHOOK_RETRY_SCHEDULE", "0.05,0.05")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
async def fresh_subscriptions(hooks_database: Database) -> AsyncIterator[None]:
    """Every subscription a test made is deleted after it: the next test's rounds leave it be."""
    yield
    async with writing(hooks_database) as session:
        await (await session.connection()).execute(
            sa.update(WebhookSubscription)
            .where(col(WebhookSubscription.deleted_at).is_(None))
            .values(deleted_at=utcnow())
        )
        await session.commit()


def dispatch_settings(
    schedule: Sequence[float] = SCHEDULE, timeout_seconds: float = 5.0
) -> DispatchSettings:
    return DispatchSettings(
        allow_private=True,
        timeouts=DeliveryTimeouts(connect_seconds=2.0, total_seconds=timeout_seconds),
        schedule=RetrySchedule(tuple(schedule)),
    )


def make_engine(
    database: Database, worker: str = "worker-1", *, poll_seconds: float = 0.02, **settings: Any
) -> Engine:
    return Engine(database, dispatch_settings(**settings), poll_seconds=poll_seconds, worker=worker)


@asynccontextmanager
async def writing(database: Database) -> AsyncIterator[AsyncSession]:
    """A session for a write, which on SQLite waits its turn from BEGIN, as requests' do."""
    async with database.sessionmaker() as session:
        await begin_writing(session)
        yield session


Subscribe = Callable[..., Awaitable[WebhookSubscription]]


async def new_client(database: Database, *scopes: str, area_codes: Sequence[str] = ()) -> uuid.UUID:
    async with writing(database) as session:
        issued = await clients_service.create_client(
            session, name="Sistem informasi desa", scopes=list(scopes), area_codes=area_codes
        )
        await session.commit()
    return issued.client.id


async def subscribe(
    database: Database,
    client_id: uuid.UUID,
    url: str,
    types: Sequence[str] = ("program",),
) -> WebhookSubscription:
    """A committed subscription of the client to `types`, sending to `url`."""
    async with writing(database) as session:
        subscription = await service.create_subscription(
            session, client_id, url, list(types), None, allow_private=True
        )
        await session.commit()
    return subscription


async def deliveries_of(database: Database, subscription_id: uuid.UUID) -> list[WebhookDelivery]:
    async with database.sessionmaker() as session:
        statement = (
            select(WebhookDelivery)
            .where(col(WebhookDelivery.subscription_id) == subscription_id)
            .order_by(col(WebhookDelivery.id))
        )
        return list((await session.exec(statement)).all())


async def subscription_now(database: Database, subscription_id: uuid.UUID) -> WebhookSubscription:
    async with database.sessionmaker() as session:
        found = await session.get(WebhookSubscription, subscription_id)
        assert found is not None
        return found


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Waits until `check()` holds; fails after `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.01)
