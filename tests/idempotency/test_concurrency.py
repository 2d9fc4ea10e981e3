"""Fifty concurrent requests with one Idempotency-Key create exactly one resource.

They run against a database that really commits (a throwaway one of the run's kind), so the
reservation's unique key is contended as in production; on SQLite this exercises its locking.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from sofifi_api.db import Database, utcnow
from sofifi_api.idempotency import service
from sofifi_api.idempotency.service import IdempotentRequest, Verdict, request_digest
from sofifi_api.organizations.models import Organization
from tests.databases import committed_client, migrated_database
from tests.idempotency.conftest import JSON, ORGANIZATIONS

CONCURRENT = 50


@pytest.fixture(scope="module")
def committed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("idempotency")) as url:
        yield url


@pytest.fixture
async def committed_database(committed_url: str) -> AsyncIterator[Database]:
    database = Database(committed_url)
    yield database
    await database.dispose()


@pytest.fixture
async def http(committed_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An admin partner talking to an app whose requests commit."""
    async with await committed_client(committed_database, "admin", headers=JSON) as client:
        yield client


async def organizations_named(database: Database, name: str) -> int:
    async with database.sessionmaker() as session:
        statement = select(func.count()).where(col(Organization.name) == name)
        return (await session.exec(statement)).one()


async def burst(http: httpx.AsyncClient, key: str, name: str) -> list[httpx.Response]:
    """The same creation sent CONCURRENT times at once, all with one key."""
    body = json.dumps({"name": name, "kind": "community"}).encode()
    headers = {"Idempotency-Key": key}
    return await asyncio.gather(
        *(http.post(ORGANIZATIONS, content=body, headers=headers) for _ in range(CONCURRENT))
    )


async def test_concurrent_requests_with_one_key_create_one_resource(
    http: httpx.AsyncClient, committed_database: Database
) -> None:
    await burst(http, "serentak-satu", "Kelompok Tani Galala")

    assert await organizations_named(committed_database, "Kelompok Tani Galala") == 1


async def test_concurrent_requests_with_one_key_answer_the_first_201_or_409(
    http: httpx.AsyncClient,
) -> None:
    responses = await burst(http, "serentak-dua", "Kelompok Nelayan Sofifi")

    created = [r for r in responses if r.status_code == 201]
    in_flight = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_flight) == CONCURRENT
    assert created
    assert {r.json()["id"] for r in created} == {created[0].json()["id"]}
    assert sum("Idempotent-Replayed" not in r.headers for r in created) == 1
    assert {r.json()["type"] for r in in_flight} <= {"/problems/idempotency-key-in-flight"}


async def test_concurrent_reservations_of_one_key_have_one_winner(
    committed_database: Database,
) -> None:
    request = IdempotentRequest(
        client_id=uuid.uuid4(),
        key="serentak-tiga",
        method="POST",
        path=ORGANIZATIONS,
        digest=request_digest("POST", ORGANIZATIONS, b"{}"),
    )

    async def reserve_once() -> Verdict:
        async with committed_database.sessionmaker() as session:
            return (await service.reserve(session, request, utcnow())).verdict

    verdicts = await asyncio.gather(*(reserve_once() for _ in range(CONCURRENT)))

    assert verdicts.count(Verdict.RESERVED) == 1
    assert verdicts.count(Verdict.IN_FLIGHT) == CONCURRENT - 1
