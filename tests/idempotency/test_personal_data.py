"""Replayed answers that show a person's personal data: voided by erasure, re-checked, audited."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service as clients_service
from sofifi_api.clients.models import ApiClient, ClientUpdate
from sofifi_api.db import utcnow
from sofifi_api.idempotency.models import IdempotencyRecord
from sofifi_api.idempotency.service import stored_body
from sofifi_api.participants.models import Participant
from sofifi_api.participants.personal_data import wipe_personal_data
from tests.factories import OBA_UTARA, create_reference_areas
from tests.participants.conftest import NIK

KEY = "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"
PHONE_DIGITS = "87654321"
BORN = "1986-07-01"
PERSON = json.dumps(
    {
        "kind": "person",
        "full_name": "Siti Hadija",
        "nik": NIK,
        "phone": "0821-8765-4321",
        "birth_date": BORN,
    }
).encode()
LOOKUP = json.dumps({"nik": NIK}).encode()
JSON = {"Content-Type": "application/json"}


@dataclass
class Registrar:
    """A partner that registers and looks up persons, its scopes changeable by the test."""

    client: ApiClient
    http: httpx.AsyncClient

    async def post(self, path: str, body: bytes, key: str = KEY) -> httpx.Response:
        return await self.http.post(path, content=body, headers=JSON | {"Idempotency-Key": key})


@pytest.fixture
async def registrar(app: FastAPI, session: AsyncSession) -> AsyncIterator[Registrar]:
    issued = await clients_service.create_client(
        session,
        name="Dinas Sosial",
        scopes=["participants:read", "participants:write", "participants:pii"],
    )
    await session.flush()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {issued.key}"},
    ) as http:
        yield Registrar(issued.client, http)


async def withdraw_pii(session: AsyncSession, registrar: Registrar) -> None:
    await clients_service.update_client(
        session, registrar.client, ClientUpdate(scopes=["participants:read", "participants:write"])
    )


def assert_no_personal_data(response: httpx.Response) -> None:
    assert NIK not in response.text
    assert PHONE_DIGITS not in response.text
    assert BORN not in response.text


async def pii_reads(client: httpx.AsyncClient, response: httpx.Response) -> list[str]:
    trail = await client.get(
        "/v1/audit-events",
        params={"request_id": response.headers["Request-Id"], "action": "pii.read"},
    )
    assert trail.status_code == 200, trail.text
    return [event["resource_id"] for event in trail.json()["data"]]


async def test_create_replayed_after_erasure_shows_the_erased_person(
    registrar: Registrar, client: httpx.AsyncClient
) -> None:
    first = await registrar.post("/v1/participants", PERSON)
    await client.post(f"/v1/participants/{first.json()['id']}/erasure")

    replay = await registrar.post("/v1/participants", PERSON)

    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.headers["Location"] == first.headers["Location"]
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["personal_data"] == "erased"
    assert_no_personal_data(replay)


async def test_lookup_replayed_after_erasure_carries_no_personal_data(
    registrar: Registrar, client: httpx.AsyncClient
) -> None:
    person = (await client.post("/v1/participants", content=PERSON, headers=JSON)).json()
    first = await registrar.post("/v1/participants/lookup", LOOKUP)
    assert first.json()["nik"] == NIK
    await client.post(f"/v1/participants/{person['id']}/erasure")

    replay = await registrar.post("/v1/participants/lookup", LOOKUP)

    assert replay.status_code == 200
    assert replay.json()["personal_data"] == "erased"
    assert_no_personal_data(replay)


async def test_erasure_leaves_no_personal_data_in_stored_answers(
    registrar: Registrar, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await registrar.post("/v1/participants", PERSON)
    await registrar.post("/v1/participants/lookup", LOOKUP, key="lookup-1")
    await client.post(f"/v1/participants/{first.json()['id']}/erasure")

    statement = select(IdempotencyRecord).where(
        col(IdempotencyRecord.client_id) == registrar.client.id
    )
    records = (await session.exec(statement.execution_options(populate_existing=True))).all()

    assert len(records) == 2
    for record in records:
        body = stored_body(record) or b""
        assert NIK.encode() not in body
        assert PHONE_DIGITS.encode() not in body
        assert BORN.encode() not in body


async def test_replay_after_the_client_lost_pii_is_redacted(
    registrar: Registrar, session: AsyncSession
) -> None:
    first = await registrar.post("/v1/participants", PERSON)
    assert first.json()["nik"] == NIK
    await withdraw_pii(session, registrar)

    replay = await registrar.post("/v1/participants", PERSON)

    assert replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"]
    assert replay.json()["personal_data"] == "redacted"
    assert_no_personal_data(replay)


async def test_lookup_replay_after_the_client_lost_pii_is_redacted(
    registrar: Registrar, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await client.post("/v1/participants", content=PERSON, headers=JSON)
    await registrar.post("/v1/participants/lookup", LOOKUP)
    await withdraw_pii(session, registrar)

    replay = await registrar.post("/v1/participants/lookup", LOOKUP)

    assert replay.status_code == 200
    assert replay.json()["personal_data"] == "redacted"
    assert_no_personal_data(replay)


async def test_replay_after_the_person_left_the_client_areas_is_redacted(
    registrar: Registrar, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await create_reference_areas(client)
    await registrar.post("/v1/participants", PERSON)
    await clients_service.update_client(
        session, registrar.client, ClientUpdate(area_codes=[OBA_UTARA])
    )

    replay = await registrar.post("/v1/participants", PERSON)

    assert replay.json()["personal_data"] == "redacted"
    assert_no_personal_data(replay)


async def test_replay_showing_personal_data_records_a_pii_read(
    registrar: Registrar, client: httpx.AsyncClient
) -> None:
    first = await registrar.post("/v1/participants", PERSON)

    replay = await registrar.post("/v1/participants", PERSON)

    assert replay.json() == first.json()
    assert await pii_reads(client, replay) == [first.json()["id"]]


async def test_redacted_replay_records_no_pii_read(
    registrar: Registrar, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await registrar.post("/v1/participants", PERSON)
    await withdraw_pii(session, registrar)

    replay = await registrar.post("/v1/participants", PERSON)

    assert await pii_reads(client, replay) == []


async def test_replay_of_an_answer_without_personal_data_is_unchanged(
    registrar: Registrar, session: AsyncSession
) -> None:
    group = json.dumps({"kind": "group", "name": "Kelompok Tani Guraping"}).encode()
    first = await registrar.post("/v1/participants", group)
    await withdraw_pii(session, registrar)

    replay = await registrar.post("/v1/participants", group)

    assert replay.content == first.content


async def test_answer_kept_as_the_person_was_erased_replays_the_erased_person(
    registrar: Registrar, session: AsyncSession
) -> None:
    first = await registrar.post("/v1/participants", PERSON)
    # Erased by a transaction that ran while the answer was being kept, so it missed it.
    person = await session.get(Participant, uuid.UUID(first.json()["id"]))
    assert person is not None
    wipe_personal_data(person)
    person.erased_at = utcnow()
    session.add(person)
    await session.flush()

    replay = await registrar.post("/v1/participants", PERSON)
    again = await registrar.post("/v1/participants", PERSON)

    assert replay.json()["personal_data"] == "erased"
    assert_no_personal_data(replay)
    assert again.json() == replay.json()
