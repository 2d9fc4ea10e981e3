"""Idempotency-Key on POST: replay, reuse, in-flight, scoping and freeing of keys."""

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from fastapi import FastAPI, Response
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import utcnow
from sofifi_api.idempotency.models import IdempotencyRecord
from sofifi_api.idempotency.service import KeyState
from sofifi_api.organizations.models import Organization
from tests.conftest import ClientFactory
from tests.idempotency.conftest import BODY, JSON, ORGANIZATIONS, OTHER_BODY, Partner, record

KEY = "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"


async def organization_count(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Organization))).one()


async def stored_keys(session: AsyncSession, key: str = KEY) -> list[IdempotencyRecord]:
    statement = select(IdempotencyRecord).where(col(IdempotencyRecord.key) == key)
    return list((await session.exec(statement.execution_options(populate_existing=True))).all())


async def test_retry_with_same_key_and_body_replays_status_and_body(partner: Partner) -> None:
    first = await partner.post(ORGANIZATIONS, BODY, KEY)

    retry = await partner.post(ORGANIZATIONS, BODY, KEY)

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()


async def test_replay_repeats_location_and_is_marked_replayed(partner: Partner) -> None:
    first = await partner.post(ORGANIZATIONS, BODY, KEY)

    retry = await partner.post(ORGANIZATIONS, BODY, KEY)

    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Content-Type"] == first.headers["Content-Type"]
    assert "Idempotent-Replayed" not in first.headers


async def test_retry_creates_no_second_resource(partner: Partner, session: AsyncSession) -> None:
    before = await organization_count(session)

    await partner.post(ORGANIZATIONS, BODY, KEY)
    await partner.post(ORGANIZATIONS, BODY, KEY)

    assert await organization_count(session) == before + 1


async def test_same_key_with_another_body_is_422(partner: Partner) -> None:
    await partner.post(ORGANIZATIONS, BODY, KEY)

    response = await partner.post(ORGANIZATIONS, OTHER_BODY, KEY)

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


async def test_same_key_on_another_path_is_422(partner: Partner) -> None:
    await partner.post(ORGANIZATIONS, BODY, KEY)

    response = await partner.post("/v1/areas", BODY, KEY)

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


async def test_key_still_in_flight_is_409_with_retry_after(
    partner: Partner, session: AsyncSession
) -> None:
    session.add(record(partner.client_id, KEY))
    await session.flush()

    response = await partner.post(ORGANIZATIONS, BODY, KEY)

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/idempotency-key-in-flight"
    assert response.headers["Retry-After"] == "1"


async def test_key_in_flight_runs_nothing(partner: Partner, session: AsyncSession) -> None:
    session.add(record(partner.client_id, KEY))
    await session.flush()
    before = await organization_count(session)

    await partner.post(ORGANIZATIONS, BODY, KEY)

    assert await organization_count(session) == before


async def test_stale_in_flight_key_is_taken_over(partner: Partner, session: AsyncSession) -> None:
    session.add(record(partner.client_id, KEY, created_at=utcnow() - timedelta(minutes=5)))
    await session.flush()

    response = await partner.post(ORGANIZATIONS, BODY, KEY)

    assert response.status_code == 201


async def test_same_key_of_another_client_is_independent(
    partner: Partner, make_client: ClientFactory
) -> None:
    other = await make_client("organizations:write")
    await partner.post(ORGANIZATIONS, BODY, KEY)

    response = await other.post(
        ORGANIZATIONS, content=OTHER_BODY, headers=JSON | {"Idempotency-Key": KEY}
    )

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


async def test_request_without_key_keeps_nothing(partner: Partner, session: AsyncSession) -> None:
    first = await partner.post(ORGANIZATIONS, BODY, None)
    second = await partner.post(ORGANIZATIONS, BODY, None)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    count = select(func.count()).select_from(IdempotencyRecord)
    assert (await session.exec(count)).one() == 0


async def test_4xx_answer_is_replayed(partner: Partner) -> None:
    invalid = b'{"name":"Koperasi Bambu Guraping","kind":"guild"}'
    first = await partner.post(ORGANIZATIONS, invalid, KEY)

    retry = await partner.post(ORGANIZATIONS, invalid, KEY)

    assert first.status_code == 422
    assert retry.status_code == 422
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()


async def test_expired_key_is_taken_anew(partner: Partner, session: AsyncSession) -> None:
    past = utcnow() - timedelta(hours=25)
    expired = record(
        partner.client_id,
        KEY,
        body=OTHER_BODY,
        state=KeyState.COMPLETED,
        created_at=past,
        expires_at=past + timedelta(hours=24),
    )
    session.add(expired)
    await session.flush()

    response = await partner.post(ORGANIZATIONS, BODY, KEY)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


async def test_key_is_kept_at_least_24_hours(partner: Partner, session: AsyncSession) -> None:
    await partner.post(ORGANIZATIONS, BODY, KEY)

    [stored] = await stored_keys(session)

    assert stored.expires_at - stored.created_at >= timedelta(hours=24)
    assert stored.state == KeyState.COMPLETED.value


async def test_stored_answer_is_encrypted(partner: Partner, session: AsyncSession) -> None:
    await partner.post(ORGANIZATIONS, BODY, KEY)

    [stored] = await stored_keys(session)

    assert stored.response_body is not None
    assert b"Guraping" not in stored.response_body


async def test_malformed_key_is_400(partner: Partner) -> None:
    response = await partner.post(ORGANIZATIONS, BODY, "kunci\tpala")

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/invalid-idempotency-key"


async def test_key_longer_than_255_characters_is_400(partner: Partner) -> None:
    response = await partner.post(ORGANIZATIONS, BODY, "k" * 256)

    assert response.status_code == 400


async def test_key_without_credential_is_401(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.post(
        ORGANIZATIONS, content=BODY, headers=JSON | {"Idempotency-Key": KEY}
    )

    assert response.status_code == 401


async def test_body_over_the_limit_is_413(partner: Partner) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 100_000

    response = await partner.http.post(
        ORGANIZATIONS, content=chunks(), headers=JSON | {"Idempotency-Key": KEY}
    )

    assert response.status_code == 413


async def test_failing_operation_frees_the_key(
    app: FastAPI, partner: Partner, session: AsyncSession
) -> None:
    calls = []

    async def fail_once() -> Response:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database connection dropped")
        return Response(status_code=204)

    app.add_api_route("/v1/failing-operation", fail_once, methods=["POST"])

    first = await partner.post("/v1/failing-operation", BODY, KEY)
    retry = await partner.post("/v1/failing-operation", BODY, KEY)

    assert first.status_code == 500
    assert retry.status_code == 204
    assert len(calls) == 2


async def test_5xx_answer_frees_the_key(
    app: FastAPI, partner: Partner, session: AsyncSession
) -> None:
    async def unavailable() -> Response:
        return Response(status_code=503)

    app.add_api_route("/v1/unavailable-operation", unavailable, methods=["POST"])

    response = await partner.post("/v1/unavailable-operation", BODY, KEY)

    assert response.status_code == 503
    assert await stored_keys(session) == []


async def test_secret_answer_is_not_kept_and_retry_is_409_with_location(
    partner: Partner, session: AsyncSession
) -> None:
    body = b'{"name":"Dinas Sosial Maluku Utara","scopes":["programs:read"]}'
    first = await partner.post("/v1/clients", body, KEY)

    retry = await partner.post("/v1/clients", body, KEY)

    assert first.status_code == 201
    assert retry.status_code == 409
    assert retry.json()["type"] == "/problems/idempotency-answer-withheld"
    assert retry.headers["Location"] == first.headers["Location"]
    [stored] = await stored_keys(session)
    assert stored.response_body is None


async def test_token_endpoint_ignores_the_key(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.post(
        "/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Idempotency-Key": "k" * 300},
    )

    assert response.json().get("type") != "/problems/invalid-idempotency-key"


async def test_path_outside_latin_1_answers_as_without_a_key(partner: Partner) -> None:
    path = "/v1/clients/%E2%82%AC/revoke"
    without = await partner.post(path, b"", None)

    with_key = await partner.post(path, b"", KEY)

    assert without.status_code == 404
    assert with_key.status_code == 404
    assert with_key.json()["type"] == without.json()["type"]
