"""Personal data (NIK, phone, exact birth date) never reaches logs, lists or error texts."""

import hashlib
import logging
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.participants.models import Participant
from sofifi_api.participants.validation import normalise_phone
from tests.conftest import ClientFactory
from tests.factories import create_person
from tests.participants.conftest import NIK, PHONE

# Every logger that could see a request, a statement, its parameters or its result rows.
VERBOSE_LOGGERS = (
    "",
    "sofifi_api",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "sqlalchemy.orm",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "httpcore",
    "fastapi",
    "starlette",
)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + repr(record.__dict__))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Everything the service logs at its most verbose level, and all that reaches the root."""
    records = _Records()
    service, root = logging.getLogger("sofifi_api"), logging.getLogger()
    level = service.level
    service.setLevel(logging.DEBUG)
    service.addHandler(records)
    root.addHandler(records)
    yield records.lines
    root.removeHandler(records)
    service.removeHandler(records)
    service.setLevel(level)


async def test_personal_data_never_reaches_the_logs(
    client: httpx.AsyncClient, log_lines: list[str]
) -> None:
    created = await create_person(client, nik=NIK, phone=PHONE, birth_date="1986-07-01")
    await client.get(f"/v1/participants/{created['id']}")
    await client.get("/v1/participants")
    await client.post("/v1/participants", json={"kind": "person", "full_name": "Siti", "nik": NIK})
    await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti", "nik": NIK[:9]}
    )
    await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti", "phone": PHONE + "99"}
    )

    assert log_lines, "the access log should have recorded the requests"
    logged = "\n".join(log_lines)
    assert NIK[:9] not in logged
    assert PHONE[3:] not in logged
    assert "1986-07-01" not in logged


async def test_location_header_carries_only_the_id(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": NIK, "phone": PHONE},
    )

    location = response.headers["Location"]
    assert location.endswith(f"/v1/participants/{response.json()['id']}")
    assert NIK not in location
    assert PHONE[3:] not in location


@pytest.fixture
def sql_logging(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything at DEBUG before the test's connection opens: SQLAlchemy decides per
    connection whether to log statements and result rows."""
    for name in VERBOSE_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def all_logs(
    sql_logging: pytest.LogCaptureFixture, app: FastAPI
) -> Iterator[pytest.LogCaptureFixture]:
    """Every record any logger emits during the test.

    Runs after the application has configured logging, which quietens some loggers and stops
    the service's own from propagating, so it turns them all up again and listens directly.
    """
    for name in VERBOSE_LOGGERS:
        sql_logging.set_level(logging.DEBUG, logger=name)
    service = logging.getLogger("sofifi_api")
    service.addHandler(sql_logging.handler)
    yield sql_logging
    service.removeHandler(sql_logging.handler)


async def test_nik_and_phone_reach_no_log_record_at_debug(
    all_logs: pytest.LogCaptureFixture,
    client: httpx.AsyncClient,
    make_client: ClientFactory,
) -> None:
    created = await create_person(client, nik=NIK, phone=PHONE, birth_date="1986-07-01")
    path = f"/v1/participants/{created['id']}"
    reader = await make_client("participants:read")
    responses = [
        await client.get(path),
        await reader.get(path),
        await client.get("/v1/participants"),
        await client.post("/v1/participants/lookup", json={"nik": NIK}),
        await client.patch(path, json={"phone": "0821 8765 4321", "nik": NIK}),
        await client.post(
            "/v1/participants", json={"kind": "person", "full_name": "S", "nik": NIK}
        ),
        await client.post(f"{path}/erasure"),
    ]
    await create_person(client, nik=NIK, phone=PHONE)

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 409, 200]
    records = all_logs.records
    assert any(r.name.startswith("sqlalchemy.engine") and "Row" in r.msg for r in records)
    assert any(r.name == "sofifi_api.access" for r in records)
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.__dict__!r}" for r in records)
    assert NIK not in logged
    assert PHONE[3:] not in logged
    assert "1986-07-01" not in logged


async def test_database_holds_personal_data_only_as_ciphertext(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create_person(client, nik=NIK, phone=PHONE, birth_date="1986-07-01")

    row = (
        await session.exec(
            select(
                Participant.nik_digest,
                Participant.nik_ciphertext,
                Participant.phone_ciphertext,
                Participant.birth_date_ciphertext,
            ).where(col(Participant.id) == uuid.UUID(created["id"]))
        )
    ).one()

    stored = " ".join(value or "" for value in row)
    assert all(value is not None for value in row)
    assert NIK not in stored
    assert PHONE[3:] not in stored
    assert "1986-07-01" not in stored
    assert row[0] != hashlib.sha256(NIK.encode()).hexdigest()


async def test_equal_niks_are_encrypted_differently(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await create_person(client, nik=NIK)
    await client.delete(f"/v1/participants/{first['id']}")
    second = await create_person(client, nik=NIK)

    rows = (
        await session.exec(
            select(Participant.nik_ciphertext, Participant.nik_digest).where(
                col(Participant.id).in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])])
            )
        )
    ).all()

    (first_token, first_digest), (second_token, second_digest) = rows
    assert first_token != second_token
    assert first_digest == second_digest


PHONES = ["0821-8765-4321", "+62 821 8765 4321", "(0411) 123456", "62812345678", "0812"]
PHONES += ["+1 202 555 0100", "0812345678901234", "+62 0812 3456 789", "phone"]


async def test_openapi_phone_pattern_takes_exactly_the_numbers_the_service_takes(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    phone = document["components"]["schemas"]["PersonCreate"]["properties"]["phone"]
    pattern = next(branch["pattern"] for branch in phone["anyOf"] if "pattern" in branch)

    matched = {number: re.fullmatch(pattern, number) is not None for number in PHONES}

    assert matched == {number: normalise_phone(number) is not None for number in PHONES}
