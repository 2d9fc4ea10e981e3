"""Where the engine runs: inside the server process by default, and in `sofifi-api worker`
processes."""

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sofifi_api.config import get_settings
from sofifi_api.db import Database
from sofifi_api.main import create_app
from tests.factories import create_program
from tests.webhooks.conftest import eventually, new_client, subscribe
from tests.webhooks.receivers import receiving

pytestmark = pytest.mark.usefixtures("fresh_subscriptions")

ROOT = Path(__file__).resolve().parents[2]


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
    environment = os.environ | {
        "DATABASE_URL": hooks_url,
        "SOFIFI_WEBHOOK_ALLOW_PRIVATE": "true",
        "SOFIFI_WEBHOOK_POLL_SECONDS": "0.05",
    }
    command = [str(Path(sys.executable).parent / "sofifi-api"), "worker"]
    with receiving() as receiver:
        await subscribe(hooks_database, client_id, receiver.url())
        await create_program(admin)
        with (tmp_path / "worker.log").open("wb") as log:
            worker = await asyncio.create_subprocess_exec(
                *command, env=environment, cwd=ROOT, stdout=log, stderr=log
            )
            try:
                await eventually(lambda: bool(receiver.received), seconds=60)
            finally:
                worker.send_signal(signal.SIGTERM)
                returncode = await asyncio.wait_for(worker.wait(), 30)

    assert len(receiver.received) == 1
    assert returncode == 0, (tmp_path / "worker.log").read_text()
