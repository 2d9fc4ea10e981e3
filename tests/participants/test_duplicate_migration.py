"""Migration 0010 lets flagged possible duplicates share a NIK; its downgrade loses no one."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import pool

from sofifi_api.db import UTCDateTime, create_engine, utcnow
from tests.conftest import alembic_config
from tests.databases import migrated_database

HOLDER_ID = uuid.UUID("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d71")
FLAGGED_ID = uuid.UUID("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d72")
DIGEST = "d" * 64

_INSERT = sa.text(
    "INSERT INTO participants (id, created_at, updated_at, kind, full_name, birth_year, "
    "consent_given, nik_digest, possible_duplicate_of) VALUES (:id, :now, :now, 'person', "
    "'Siti Hadija', 1986, false, :digest, :duplicate_of)"
).bindparams(
    sa.bindparam("id", type_=sa.Uuid()),
    sa.bindparam("now", type_=UTCDateTime()),
    sa.bindparam("duplicate_of", type_=sa.Uuid()),
)


async def _run(url: str, statement: sa.TextClause, rows: list[dict[str, Any]]) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(statement, rows)
    finally:
        await engine.dispose()


async def _ids(url: str) -> set[uuid.UUID]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.text("SELECT id FROM participants"))
            return {uuid.UUID(str(row_id)) for (row_id,) in rows}
    finally:
        await engine.dispose()


def _insert(url: str, *rows: dict[str, Any]) -> None:
    asyncio.run(_run(url, _INSERT, list(rows)))


def _person(person_id: uuid.UUID, duplicate_of: uuid.UUID | None) -> dict[str, Any]:
    return {"id": person_id, "now": utcnow(), "digest": DIGEST, "duplicate_of": duplicate_of}


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with migrated_database(tmp_path) as url:
        yield url


def test_flagged_person_may_share_the_nik_of_a_live_one(database_url: str) -> None:
    _insert(database_url, _person(HOLDER_ID, None), _person(FLAGGED_ID, HOLDER_ID))

    assert asyncio.run(_ids(database_url)) == {HOLDER_ID, FLAGGED_ID}


def test_two_unflagged_live_persons_cannot_share_a_nik(database_url: str) -> None:
    _insert(database_url, _person(HOLDER_ID, None))

    with pytest.raises(sa.exc.IntegrityError):
        _insert(database_url, _person(FLAGGED_ID, None))


def test_downgrade_refuses_while_live_persons_share_a_nik(database_url: str) -> None:
    _insert(database_url, _person(HOLDER_ID, None), _person(FLAGGED_ID, HOLDER_ID))

    with pytest.raises(RuntimeError, match="share a NIK"):
        command.downgrade(alembic_config(database_url), "0009")

    assert asyncio.run(_ids(database_url)) == {HOLDER_ID, FLAGGED_ID}


def test_downgrade_and_upgrade_keep_every_person(database_url: str) -> None:
    _insert(database_url, _person(HOLDER_ID, None))
    config = alembic_config(database_url)

    command.downgrade(config, "0009")
    command.upgrade(config, "head")

    assert asyncio.run(_ids(database_url)) == {HOLDER_ID}
