"""On SQLite, a participant's GET that records who was shown personal data writes: it holds
the write lock from its start, so a write another request commits meanwhile cannot fail it."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from sofifi_api.audit import service as audit_service
from sofifi_api.db import Database
from sofifi_api.participants import router as participants_router
from tests.databases import committed_client, migrated_database
from tests.factories import create_person
from tests.participants.conftest import NIK


@pytest.fixture
def sqlite_url(tmp_path: Path, is_postgres: bool) -> Iterator[str]:
    if is_postgres:
        pytest.skip("SQLite's lock: PostgreSQL writes after reads in one transaction anyway")
    with migrated_database(tmp_path) as url:
        yield url


async def test_a_write_committed_while_a_personal_data_read_runs_does_not_fail_it(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(sqlite_url)
    path = make_url(sqlite_url).database
    assert path is not None

    async def another_request_writes_then_record(*arguments: Any) -> None:
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("PRAGMA user_version = 7")
            other.commit()
        except sqlite3.OperationalError:
            pass  # "database is locked": the read holds the write lock.
        finally:
            other.close()
        await audit_service.record_personal_data_read(*arguments)

    try:
        partner = await committed_client(
            database, "participants:read", "participants:write", "participants:pii"
        )
        async with partner:
            person = await create_person(partner, nik=NIK)
            monkeypatch.setattr(
                participants_router, "record_personal_data_read", another_request_writes_then_record
            )

            response = await partner.get(f"/v1/participants/{person['id']}")

        assert response.status_code == 200, response.text
    finally:
        await database.dispose()
