"""Taking, completing and freeing a client's Idempotency-Key.

Each function is one short statement the caller commits on its own, apart from the request's
unit of work: a reservation must be visible to concurrent requests before the route runs.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.config import get_settings
from sofifi_api.idempotency.models import IdempotencyRecord
from sofifi_api.participants.crypto import personal_data_keys

# A reservation this old belongs to a request whose process died: another may take it over.
IN_FLIGHT_TIMEOUT = timedelta(seconds=60)
# Response headers a replay repeats; per-request ones (Request-Id, RateLimit) are fresh.
REPLAYED_HEADERS = ("location", "content-type", "cache-control")


class KeyState(StrEnum):
    IN_FLIGHT = "in_flight"
    COMPLETED = "completed"


class Verdict(StrEnum):
    RESERVED = "reserved"  # this request runs the operation
    REPLAY = "replay"  # the first request's answer is repeated
    IN_FLIGHT = "in_flight"  # the first request is still running: 409
    REUSED = "reused"  # the key was used for another request: 422


@dataclass(frozen=True)
class IdempotentRequest:
    client_id: uuid.UUID
    key: str
    method: str
    path: str
    digest: str


@dataclass(frozen=True)
class Reservation:
    verdict: Verdict
    # When this request took the key; completing or freeing it names this moment.
    taken_at: datetime | None = None
    record: IdempotencyRecord | None = None


def request_digest(method: str, target: str, body: bytes) -> str:
    """SHA-256 over method, path with query and the body's exact bytes."""
    digest = hashlib.sha256()
    # The path is percent-decoded text and may hold any character (`/v1/clients/€/revoke`).
    for part in (method.encode(), target.encode("utf-8", "surrogatepass"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def ttl() -> timedelta:
    return timedelta(hours=get_settings().idempotency_ttl_hours)


def _cipher() -> MultiFernet:
    # Answers may carry personal data (a participant's NIK): stored encrypted, like the data.
    return personal_data_keys().cipher


def _insert_if_absent(session: AsyncSession, values: dict[str, Any]) -> Any:
    dialect = session.get_bind().dialect.name
    table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(**values)
    else:
        statement = sqlite.insert(table).values(**values)
    return statement.on_conflict_do_nothing(index_elements=["client_id", "key"]).returning(
        table.c.key
    )


async def _insert(session: AsyncSession, request: IdempotentRequest, now: datetime) -> bool:
    """Takes a free key; exactly one of any number of concurrent callers gets True."""
    # Expired keys of this client go first, so an expired key is simply taken anew.
    await session.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.client_id) == request.client_id,
            col(IdempotencyRecord.expires_at) <= now,
        )
    )
    values = {
        "client_id": request.client_id,
        "key": request.key,
        "method": request.method,
        "path": request.path[:500],
        "request_digest": request.digest,
        "state": KeyState.IN_FLIGHT.value,
        "response_headers": {},
        "created_at": now,
        "expires_at": now + ttl(),
    }
    result = await session.exec(_insert_if_absent(session, values))
    return result.first() is not None


async def _take_over(session: AsyncSession, request: IdempotentRequest, now: datetime) -> bool:
    """Takes a key whose request died while running; only one concurrent caller succeeds."""
    result = await session.exec(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.client_id) == request.client_id,
            col(IdempotencyRecord.key) == request.key,
            col(IdempotencyRecord.request_digest) == request.digest,
            col(IdempotencyRecord.state) == KeyState.IN_FLIGHT.value,
            col(IdempotencyRecord.created_at) < now - IN_FLIGHT_TIMEOUT,
        )
        .values(created_at=now, expires_at=now + ttl())
    )
    return bool(result.rowcount)


async def reserve(session: AsyncSession, request: IdempotentRequest, now: datetime) -> Reservation:
    """Takes the key for this request, or says why not. Commits its own short transactions."""
    for _attempt in range(3):
        taken = await _insert(session, request, now)
        await session.commit()
        if taken:
            return Reservation(Verdict.RESERVED, taken_at=now)
        existing = await session.get(IdempotencyRecord, (request.client_id, request.key))
        await session.commit()
        if existing is None:
            continue  # freed meanwhile: try again
        if existing.request_digest != request.digest:
            return Reservation(Verdict.REUSED, record=existing)
        if existing.state == KeyState.COMPLETED.value:
            return Reservation(Verdict.REPLAY, record=existing)
        if existing.created_at >= now - IN_FLIGHT_TIMEOUT:
            return Reservation(Verdict.IN_FLIGHT, record=existing)
        taken = await _take_over(session, request, now)
        await session.commit()
        if taken:
            return Reservation(Verdict.RESERVED, taken_at=now)
    return Reservation(Verdict.IN_FLIGHT)


async def complete(
    session: AsyncSession,
    request: IdempotentRequest,
    taken_at: datetime,
    *,
    status: int,
    headers: dict[str, str],
    body: bytes | None,
    participant_id: uuid.UUID | None = None,
) -> None:
    """Keeps the answer to replay; `body=None` for an answer too secret to keep;
    `participant_id` names the person whose personal data the answer shows."""
    await session.exec(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.client_id) == request.client_id,
            col(IdempotencyRecord.key) == request.key,
            col(IdempotencyRecord.created_at) == taken_at,
        )
        .values(
            state=KeyState.COMPLETED.value,
            response_status=status,
            response_headers=headers,
            response_body=None if body is None else _cipher().encrypt(body),
            participant_id=participant_id,
        )
    )
    await session.commit()


async def replace_personal_data_answers(
    session: AsyncSession, participant_id: uuid.UUID, body: bytes
) -> None:
    """On erasure: every kept answer that showed this person's personal data answers `body`
    (the erased person) from now on, and shows no personal data any more. Flushed with the
    caller's transaction, so it commits with the erasure."""
    await session.exec(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.participant_id) == participant_id)
        .values(response_body=_cipher().encrypt(body), participant_id=None)
    )


async def release(session: AsyncSession, request: IdempotentRequest, taken_at: datetime) -> None:
    """Frees the key after a failure, so that a retry runs the operation again."""
    await session.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.client_id) == request.client_id,
            col(IdempotencyRecord.key) == request.key,
            col(IdempotencyRecord.created_at) == taken_at,
            col(IdempotencyRecord.state) == KeyState.IN_FLIGHT.value,
        )
    )
    await session.commit()


def stored_body(record: IdempotencyRecord) -> bytes | None:
    if record.response_body is None:
        return None
    return _cipher().decrypt(record.response_body)
