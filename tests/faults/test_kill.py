"""A server killed (`kill -9`) while partners send feedback batches loses no row it
acknowledged, and stores none twice."""

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database
from sofifi_api.feedback.models import Feedback
from tests.databases import migrated_database
from tests.faults.server import ServerProcess
from tests.feedback.conftest import add_program

SENDERS = 4
BATCH_ITEMS = 100
KILL_AFTER_SECONDS = 1.5


@dataclass(frozen=True)
class Tablet:
    """A partner application: its key and the program its feedback is about."""

    key: str
    program_id: str


async def _arrange(url: str) -> Tablet:
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            program_id = await add_program(session)
            issued = await clients_service.create_client(
                session, name="Aplikasi survei Oba", scopes=["feedback:read", "feedback:write"]
            )
            await session.commit()
    finally:
        await database.dispose()
    return Tablet(key=issued.key, program_id=program_id)


async def _stored(url: str) -> tuple[set[uuid.UUID], int, int]:
    """The ids stored, and how many rows and distinct client_refs there are."""
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            ids = set((await session.exec(select(Feedback.id))).all())
            refs = (
                await session.exec(select(func.count(func.distinct(col(Feedback.client_ref)))))
            ).one()
    finally:
        await database.dispose()
    return ids, len(ids), int(refs)


async def _send_until_killed(server: ServerProcess, tablet: Tablet) -> list[uuid.UUID]:
    """Batches from several senders at once; the server is killed mid-way. The ids of the
    rows acknowledged as created."""
    acknowledged: list[uuid.UUID] = []

    async def sender(number: int, http: httpx.AsyncClient) -> None:
        batch = 0
        while True:
            items: list[dict[str, Any]] = [
                {
                    "program_id": tablet.program_id,
                    "rating": 4,
                    "submitted_at": "2026-05-01T03:00:00Z",
                    "client_ref": f"tab-{number}/{batch}/{item}",
                }
                for item in range(BATCH_ITEMS)
            ]
            batch += 1
            try:
                response = await http.post("/v1/feedback/batch", json=items)
            except httpx.TransportError:
                return  # the server is gone
            assert response.status_code == 200, response.text
            acknowledged.extend(
                uuid.UUID(result["id"])
                for result in response.json()["results"]
                if result["status"] == "created"
            )

    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {tablet.key}"}, timeout=30
    ) as http:
        senders = [asyncio.create_task(sender(number, http)) for number in range(SENDERS)]
        await asyncio.sleep(KILL_AFTER_SECONDS)
        server.kill()
        await asyncio.gather(*senders)
    return acknowledged


@pytest.fixture
def server_on_own_database(tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    if not os.environ.get("SOFIFI_TEST_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("played on PostgreSQL (SOFIFI_TEST_DATABASE_URL)")
    with migrated_database(tmp_path) as url:
        server = ServerProcess(url, tmp_path / "server.log")
        try:
            yield server, url
        finally:
            with contextlib.suppress(Exception):
                server.stop()


def test_a_killed_server_loses_no_acknowledged_feedback_and_stores_none_twice(
    server_on_own_database: tuple[ServerProcess, str],
) -> None:
    server, url = server_on_own_database
    tablet = asyncio.run(_arrange(url))
    server.start()

    acknowledged = asyncio.run(_send_until_killed(server, tablet))
    stored, rows, client_refs = asyncio.run(_stored(url))

    assert acknowledged, server.log()
    assert set(acknowledged) <= stored
    assert len(set(acknowledged)) == len(acknowledged)
    assert rows == client_refs
