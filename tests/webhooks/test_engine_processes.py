"""Where the engine runs: inside the server process by default, and in `sofifi-api worker`
processes, which may die mid-delivery or race each other for the same deliveries."""

import asyncio
import json
import os
import secrets
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from sofifi_api.config import get_settings
from sofifi_api.db import Database
from sofifi_api.main import create_app
from sofifi_api.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.factories import create_organization, create_program
from tests.webhooks.conftest import deliveries_of, eventually, new_client, subscribe
from tests.webhooks.receivers import Reply, receiving

pytestmark = pytest.mark.usefixtures("fresh_subscriptions")

ROOT = Path(__file__).resolve().parents[2]
WORKER = [str(Path(sys.executable).parent / "sofifi-api"), "worker"]
# Attempts cut after 2 s, so a dead worker's lease ends a few seconds after it took it.
SHORT_ATTEMPTS = {
    "SOFIFI_WEBHOOK_TIMEOUT_SECONDS": "2",
    "SOFIFI_WEBHOOK_CONNECT_TIMEOUT_SECONDS": "1",
}


@asynccontextmanager
async def worker_process(
    url: str, log: Path, settings: Mapping[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A `sofifi-api worker` on the database at `url`, writing its log to `log`; killed at the
    end of the block unless it has exited."""
    environment = (
        os.environ
        | {
            "DATABASE_URL": url,
            "SOFIFI_WEBHOOK_ALLOW_PRIVATE": "true",
            "SOFIFI_WEBHOOK_POLL_SECONDS": "0.05",
        }
        | dict(settings or {})
    )
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *WORKER, env=environment, cwd=ROOT, stdout=output, stderr=output
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def stopped(process: asyncio.subprocess.Process) -> int:
    """Sends SIGTERM and returns the exit status."""
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 30)


async def settled(
    database: Database, subscription_id: uuid.UUID, at_least: int = 1, seconds: float = 30.0
) -> list[WebhookDelivery]:
    """The subscription's deliveries once there are `at_least` and none is pending."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        deliveries = await deliveries_of(database, subscription_id)
        if len(deliveries) >= at_least and all(
            delivery.status != DeliveryStatus.pending for delivery in deliveries
        ):
            return deliveries
        assert asyncio.get_running_loop().time() < deadline, "still pending"
        await asyncio.sleep(0.05)


@pytest.fixture
def in_process_delivery(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SOFIFI_WEBHOOK_DELIVERY", "in-process")
    monkeypatch.setenv("SOFIFI_WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("SOFIFI_WEBHOOK_POLL_SECONDS", "0.05")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("in_process_delivery")
async def test_a_running_server_delivers_in_process(
    admin: httpx.AsyncClient, hooks_database: Database
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    application = create_app(hooks_database)
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        async with application.router.lifespan_context(application):
            await create_program(admin)
            await eventually(lambda: bool(receiver.received))

    assert len(receiver.received) == 1


async def test_a_worker_process_delivers_until_it_is_told_to_stop(
    admin: httpx.AsyncClient, hooks_database: Database, hooks_url: str, tmp_path: Path
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        async with worker_process(hooks_url, tmp_path / "worker.log") as worker:
            await eventually(lambda: bool(receiver.received), seconds=60)
            returncode = await stopped(worker)

    assert len(receiver.received) == 1
    assert returncode == 0, (tmp_path / "worker.log").read_text()


async def test_a_delivery_under_way_when_its_worker_is_killed_is_delivered_again(
    admin: httpx.AsyncClient, hooks_database: Database, hooks_url: str, tmp_path: Path
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    # The first request is held unanswered; the one sent again is answered.
    with receiving(replies=[Reply(delay_seconds=60), Reply(status=204)]) as receiver:
        subscription = await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        async with worker_process(hooks_url, tmp_path / "killed.log", SHORT_ATTEMPTS) as killed:
            await eventually(lambda: bool(receiver.received), seconds=60)
            killed.kill()
            await killed.wait()
        (left,) = await deliveries_of(hooks_database, subscription.id)
        assert (left.status, left.delivered_at) == (DeliveryStatus.pending, None)
        assert left.locked_by is not None

        log = tmp_path / "second.log"
        async with worker_process(hooks_url, log, SHORT_ATTEMPTS) as second:
            await eventually(lambda: len(receiver.received) == 2, seconds=60)
            (delivery,) = await settled(hooks_database, subscription.id)
            returncode = await stopped(second)

    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == str(delivery.id)
    assert again.body == first.body
    for received in (first, again):
        Webhook(subscription.secret).verify(received.body, received.headers)
    assert delivery.status == DeliveryStatus.succeeded
    assert (delivery.attempts, delivery.last_status_code, delivery.locked_by) == (2, 204, None)
    assert returncode == 0, log.read_text()


async def test_worker_processes_side_by_side_never_send_one_delivery_at_once(
    admin: httpx.AsyncClient, hooks_database: Database, hooks_url: str, tmp_path: Path
) -> None:
    client_id = await new_client(hooks_database, "programs:read")
    organization_id = (await create_organization(admin))["id"]
    run = secrets.token_hex(4)
    titles = [f"Program {run} {n}" for n in range(30)]
    paths = [f"/hooks/{n}" for n in range(5)]

    # Each answer comes a moment later, so a second request for the same event would overlap.
    with receiving(Reply(delay_seconds=0.05)) as receiver:
        subscriptions = [
            await subscribe(hooks_database, client_id, receiver.url(path=path)) for path in paths
        ]
        async with AsyncExitStack() as stack:
            workers = [
                await stack.enter_async_context(
                    worker_process(hooks_url, tmp_path / f"worker-{n}.log")
                )
                for n in range(2)
            ]
            for title in titles:
                await create_program(admin, organization_id, title=title)
            deliveries = [
                await settled(hooks_database, s.id, at_least=len(titles), seconds=120)
                for s in subscriptions
            ]
            returncodes = [await stopped(worker) for worker in workers]

    assert receiver.overlapping == set()
    for path in paths:
        sent = [
            json.loads(r.body)["data"]["resource"]["title"]
            for r in receiver.received
            if r.path == path
        ]
        assert [title for title in sent if title.startswith(f"Program {run} ")] == titles
    for delivery in (delivery for each in deliveries for delivery in each):
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.succeeded, 1)
    assert returncodes == [0, 0]
