"""Migration 0003 encrypts the personal data already stored, and its downgrade decrypts it."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import pool

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database, UTCDateTime, create_engine, utcnow
from sofifi_api.main import create_app
from sofifi_api.participants.crypto import personal_data_keys
from tests.conftest import alembic_config
from tests.databases import fresh_database
from tests.participants.conftest import NIK, PHONE

PERSON_ID = uuid.UUID("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a")
DELETED_ID = uuid.UUID("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6b")
QUIET_ID = uuid.UUID("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6c")
GROUP_ID = uuid.UUID("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6d")
BORN = date(1986, 7, 1)

_INSERT_PARTICIPANT = sa.text(
    "INSERT INTO participants (id, created_at, updated_at, deleted_at, kind, full_name, name, "
    "nik, phone, birth_date, birth_year, consent_given) VALUES (:id, :now, :now, :deleted_at, "
    ":kind, :full_name, :name, :nik, :phone, :birth_date, :birth_year, :consent_given)"
).bindparams(
    sa.bindparam("id", type_=sa.Uuid()),
    sa.bindparam("now", type_=UTCDateTime()),
    sa.bindparam("deleted_at", type_=UTCDateTime()),
    sa.bindparam("birth_date", type_=sa.Date()),
)
_INSERT_MEMBER = sa.text(
    "INSERT INTO group_members (group_id, member_id) VALUES (:group_id, :member_id)"
).bindparams(sa.bindparam("group_id", type_=sa.Uuid()), sa.bindparam("member_id", type_=sa.Uuid()))


def _participant(participant_id: uuid.UUID, **values: Any) -> dict[str, Any]:
    row = {
        "id": participant_id,
        "now": utcnow(),
        "deleted_at": None,
        "kind": "person",
        "full_name": "Siti Hadija",
        "name": None,
        "nik": None,
        "phone": None,
        "birth_date": None,
        "birth_year": 1986,
        "consent_given": False,
    }
    return row | values


async def _execute(url: str, *statements: tuple[sa.TextClause, list[dict[str, Any]]]) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            for statement, rows in statements:
                await connection.execute(statement, rows)
    finally:
        await engine.dispose()


async def _fetch(url: str, query: str) -> dict[uuid.UUID, dict[str, Any]]:
    """Rows of a raw query by id, with `birth_date` as a date on both databases."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(sa.text(query))).mappings().all()
    finally:
        await engine.dispose()
    fetched = {}
    for row in rows:
        values = dict(row)
        if values.get("birth_date") is not None:
            values["birth_date"] = date.fromisoformat(str(values["birth_date"]))
        fetched[uuid.UUID(str(values["id"]))] = values
    return fetched


def _insert_plaintext_rows(url: str) -> None:
    people = [
        _participant(PERSON_ID, nik=NIK, phone=PHONE, birth_date=BORN, consent_given=True),
        # Uniqueness held among live rows only, so a tombstone may share the NIK.
        _participant(DELETED_ID, nik=NIK, phone=PHONE, deleted_at=utcnow()),
        _participant(QUIET_ID, full_name="Nurlela Abdullah"),
        _participant(GROUP_ID, kind="group", full_name=None, name="Kelompok", birth_year=None),
    ]
    members = [{"group_id": GROUP_ID, "member_id": PERSON_ID}]
    asyncio.run(_execute(url, (_INSERT_PARTICIPANT, people), (_INSERT_MEMBER, members)))


async def _get_through_api(url: str, participant_id: uuid.UUID) -> httpx.Response:
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            issued = await clients_service.create_client(
                session, name="Dinas Sosial Malut", scopes=["participants:read", "participants:pii"]
            )
            await session.commit()
        transport = httpx.ASGITransport(app=create_app(database))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {issued.key}"},
        ) as http:
            return await http.get(f"/v1/participants/{participant_id}")
    finally:
        await database.dispose()


@pytest.fixture
def plaintext_database(tmp_path: Path) -> Iterator[str]:
    """A database at revision 0002 holding personal data in clear, as that schema kept it."""
    with fresh_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "0002")
        _insert_plaintext_rows(url)
        yield url


@pytest.fixture
def migrated_database(plaintext_database: str) -> str:
    command.upgrade(alembic_config(plaintext_database), "head")
    return plaintext_database


def test_upgrade_replaces_plaintext_with_ciphertext(migrated_database: str) -> None:
    rows = asyncio.run(_fetch(migrated_database, "SELECT * FROM participants"))

    person = rows[PERSON_ID]
    assert {"nik", "phone", "birth_date"}.isdisjoint(person)
    for column in ("nik_ciphertext", "phone_ciphertext", "birth_date_ciphertext"):
        assert person[column] is not None
        assert NIK not in person[column]
        assert PHONE[3:] not in person[column]
        assert "1986" not in person[column]
    keys = personal_data_keys()
    assert keys.decrypt(person["nik_ciphertext"]) == NIK
    assert keys.decrypt(person["phone_ciphertext"]) == PHONE
    assert keys.decrypt(person["birth_date_ciphertext"]) == BORN.isoformat()
    assert person["nik_digest"] == keys.nik_digest(NIK)


def test_upgrade_leaves_rows_without_personal_data_empty(migrated_database: str) -> None:
    rows = asyncio.run(_fetch(migrated_database, "SELECT * FROM participants"))

    for participant_id in (QUIET_ID, GROUP_ID):
        row = rows[participant_id]
        assert row["nik_digest"] is None
        assert row["nik_ciphertext"] is None
        assert row["phone_ciphertext"] is None
        assert row["birth_date_ciphertext"] is None
        assert row["erased_at"] is None


def test_upgrade_encrypts_tombstones_too(migrated_database: str) -> None:
    rows = asyncio.run(_fetch(migrated_database, "SELECT * FROM participants"))

    tombstone = rows[DELETED_ID]
    assert tombstone["nik_digest"] == rows[PERSON_ID]["nik_digest"]
    assert personal_data_keys().decrypt(tombstone["nik_ciphertext"]) == NIK


def test_upgrade_keeps_group_memberships(migrated_database: str) -> None:
    members = asyncio.run(
        _fetch(migrated_database, "SELECT member_id AS id, group_id FROM group_members")
    )

    assert list(members) == [PERSON_ID]


def test_api_reads_personal_data_migrated_from_plaintext(migrated_database: str) -> None:
    response = asyncio.run(_get_through_api(migrated_database, PERSON_ID))

    assert response.status_code == 200
    body = response.json()
    assert (body["nik"], body["phone"], body["birth_date"]) == (NIK, PHONE, "1986-07-01")
    assert body["personal_data"] == "included"


def test_downgrade_restores_the_plaintext(migrated_database: str) -> None:
    command.downgrade(alembic_config(migrated_database), "0002")

    rows = asyncio.run(_fetch(migrated_database, "SELECT * FROM participants"))
    assert "nik_ciphertext" not in rows[PERSON_ID]
    restored = {pid: (r["nik"], r["phone"], r["birth_date"]) for pid, r in rows.items()}
    assert restored == {
        PERSON_ID: (NIK, PHONE, BORN),
        DELETED_ID: (NIK, PHONE, None),
        QUIET_ID: (None, None, None),
        GROUP_ID: (None, None, None),
    }


def test_upgrade_after_downgrade_encrypts_again(migrated_database: str) -> None:
    config = alembic_config(migrated_database)
    command.downgrade(config, "0002")

    command.upgrade(config, "head")

    rows = asyncio.run(_fetch(migrated_database, "SELECT * FROM participants"))
    assert personal_data_keys().decrypt(rows[PERSON_ID]["nik_ciphertext"]) == NIK
