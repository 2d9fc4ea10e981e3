"""Concurrent submissions of the same client_ref store it once.

These tests need real commits, so they use a throwaway database of their own (SQLite file or
PostgreSQL database, like the run's) and an application whose requests commit.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import func
from sqlmodel import col, select

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database
from sofifi_api.feedback.models import Feedback
from sofifi_api.main import create_app
from tests.conftest import alembic_config
from tests.databases import fresh_database
from tests.feedback.conftest import add_program


@pytest.fixture
def committed_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        yield url


class Arranged:
    def __init__(self, http: httpx.AsyncClient, database: Database, program_id: str) -> None:
        self.http = http
        self.database = database
        self.program_id = program_id

    def item(self, ref: str) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "rating": 4,
            "submitted_at": "2026-05-01T03:00:00Z",
            "client_ref": ref,
        }

    async def stored(self, ref_prefix: str) -> int:
        async with self.database.sessionmaker() as session:
            found = await session.exec(
                select(func.count()).where(col(Feedback.client_ref).startswith(ref_prefix))
            )
            return int(found.one())


@pytest.fixture
async def arranged(committed_url: str) -> AsyncIterator[Arranged]:
    database = Database(committed_url)
    app = create_app(database)
    async with database.sessionmaker() as session:
        program_id = await add_program(session)
        issued = await clients_service.create_client(
            session, name="Aplikasi survei Oba", scopes=["feedback:read", "feedback:write"]
        )
        await session.commit()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {issued.key}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        yield Arranged(http, database, program_id)
    await database.dispose()


async def test_concurrent_posts_of_one_client_ref_store_one_row(arranged: Arranged) -> None:
    body = arranged.item("tab-07/0042")

    responses = await asyncio.gather(
        *(arranged.http.post("/v1/feedback", json=body) for _ in range(6))
    )

    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await arranged.stored("tab-07/0042") == 1


async def test_concurrent_batches_with_the_same_refs_store_each_once(arranged: Arranged) -> None:
    items = [arranged.item(f"tab-08/{n}") for n in range(40)]

    responses = await asyncio.gather(
        *(arranged.http.post("/v1/feedback/batch", json=items) for _ in range(3))
    )

    assert [r.status_code for r in responses] == [200] * 3
    results = [r.json()["results"] for r in responses]
    for index in range(40):
        outcomes = [batch[index] for batch in results]
        assert sorted(o["status"] for o in outcomes) == ["created", "duplicate", "duplicate"]
        assert len({o["id"] for o in outcomes}) == 1
    assert await arranged.stored("tab-08/") == 40
