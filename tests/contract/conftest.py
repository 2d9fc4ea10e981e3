"""A real `sofifi-api serve` process on a fresh migrated database of the run's kind, with the
official areas loaded and an admin API key, for tools that only speak HTTP to it."""

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sofifi_api.db import Database
from tests.databases import committed_client, issue_client, migrated_database
from tests.factories import create_reference_areas
from tests.servers import running_server

SOFIFI_API = str(Path(sys.executable).parent / "sofifi-api")


@dataclass(frozen=True)
class ServedApi:
    url: str
    admin_key: str
    admin_client_id: str
    # Another client, for operations on clients that must not touch the admin's own.
    other_client_id: str


async def _arrange(database_url: str) -> tuple[str, str, str]:
    admin = await issue_client(database_url, "admin", name="Bappeda Maluku Utara")
    other = await issue_client(database_url, "feedback:write", name="Aplikasi lapangan Oba")
    database = Database(database_url)
    try:
        async with await committed_client(database, "areas:write") as writer:
            await create_reference_areas(writer)
    finally:
        await database.dispose()
    return admin.key, str(admin.client.id), str(other.client.id)


@pytest.fixture
def served_api(tmp_path: Path) -> Iterator[ServedApi]:
    with migrated_database(tmp_path) as database_url:
        key, admin_id, other_id = asyncio.run(_arrange(database_url))
        environment = {
            "DATABASE_URL": database_url,
            "SOFIFI_LOG_LEVEL": "WARNING",
            # Tools send thousands of requests, many with wrong credentials on purpose.
            "SOFIFI_RATE_LIMIT_PER_MINUTE": "1000000",
            "SOFIFI_FAILED_AUTH_LIMIT_PER_ADDRESS": "1000000",
            "SOFIFI_FAILED_AUTH_LIMIT_PER_CLIENT": "1000000",
        }
        with running_server([SOFIFI_API, "serve"], environment) as server:
            yield ServedApi(server.url, key, admin_id, other_id)
