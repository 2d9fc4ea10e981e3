"""Throwaway databases of the run's kind, for tests that need an empty one of their own."""

import asyncio
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import inspect, pool

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database, create_engine
from sofifi_api.main import create_app
from tests.conftest import _create_postgres_database, _drop_postgres_database, alembic_config


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """An empty database: a SQLite file in `directory`, or a new PostgreSQL database.

    Call it outside a running event loop (a sync test or fixture): it runs its own loop.
    """
    base_url = os.environ.get("SOFIFI_TEST_DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        yield f"sqlite:///{directory / 'fresh.db'}"
        return
    url = asyncio.run(_create_postgres_database(base_url))
    try:
        yield url
    finally:
        asyncio.run(_drop_postgres_database(base_url, url))


@contextmanager
def migrated_database(directory: Path) -> Iterator[str]:
    """A fresh database (see `fresh_database`) with the schema at head."""
    with fresh_database(directory) as url:
        command.upgrade(alembic_config(url), "head")
        yield url


async def _table_names(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


def table_names(url: str) -> set[str]:
    """The tables present in the database at `url`."""
    return asyncio.run(_table_names(url))


async def issue_client(
    url: str, *scopes: str, name: str = "Dinas Kominfo Maluku Utara"
) -> clients_service.IssuedKey:
    """A client with these scopes, committed in the database at `url`, for tests whose requests
    go to a server process of their own."""
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            issued = await clients_service.create_client(session, name=name, scopes=list(scopes))
            await session.commit()
    finally:
        await database.dispose()
    return issued


async def committed_client(
    database: Database,
    *scopes: str,
    area_codes: Sequence[str] = (),
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """A partner with these scopes, talking to a new app instance on `database`, whose
    requests really commit. Close it when done."""
    async with database.sessionmaker() as session:
        issued = await clients_service.create_client(
            session, name="Dinas Kominfo Maluku Utara", scopes=list(scopes), area_codes=area_codes
        )
        await session.commit()
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(database), raise_app_exceptions=False),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {issued.key}"} | (headers or {}),
        timeout=60,
    )
