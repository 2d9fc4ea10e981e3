"""The raw reference of benchmarks/hot_paths.py: the same hot routes as the service, written
straight on ASGI, an asyncpg pool and msgspec, to show what the work itself costs.

Run by hot_paths.py as `uvicorn --app-dir benchmarks raw_reference:app` on the service's
database (`DATABASE_URL`); cursors are signed with `SOFIFI_SECRET_KEY` as the service signs them.

What it does, per request, as a minimal service would:
- authenticates the `Authorization: Bearer` API key with one indexed query (key and client by
  the key's lookup id), compares its SHA-256 digest, checks that key and client are neither
  revoked nor expired and that the client holds the route's scope (401 or 403 otherwise);
- `GET /v1/programs?limit=N`: the first page in id order, each program with its partners,
  area codes and enrollment counts, in one query; the signed `next_cursor`;
- `GET /v1/programs/{id}`: the same representation of one live program (404 otherwise);
- `POST /v1/feedback`: decodes and type-checks the body (rating 1-5, comment of 1 to 5,000
  characters, `submitted_at` an instant), inserts one row with every column the service writes,
  only if the program is live (422 otherwise), in one statement; answers 201, `Location` and
  the stored representation;
- `GET /v1/changes?types=program&limit=N`: the feed's first page as the service reads it (the
  oldest running transaction as boundary, the changes below it, each program once at its latest
  change, in its current state), three queries on one connection;
- GET answers carry an ETag (SHA-256 of the body) and honour `If-None-Match` with 304.

What it does not do: cursors on the request side (only first pages), filters, area-restricted
clients (the benchmark's client has no areas), rate limits, the failed-authentication
throttle, idempotency, audit events, request ids, metrics, access logs, `include_deleted`,
feedback about projects or with survey answers, and problem details beyond status and title.
"""

import hashlib
import hmac
import os
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias
from urllib.parse import parse_qs

import asyncpg
import msgspec
from uuid6 import uuid7

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

_KEY = """
SELECT k.digest, c.id AS client_id, c.scopes::text AS scopes,
       k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
       AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()) AS active
FROM api_keys k JOIN api_clients c ON c.id = k.client_id
WHERE k.lookup_id = $1
"""

# A program as ProgramPublic shows it: partners by (organization id, role), areas by code.
# (Correlated subqueries measured twice as fast here as lateral aggregates.)
_PROGRAM = """
SELECT p.id, p.created_at, p.updated_at, p.deleted_at, p.title, p.description, p.category,
       p.status, p.lead_organization_id, p.start_date, p.end_date, p.budget_idr,
       p.target_participants,
       ARRAY(SELECT pp.organization_id FROM program_partners pp WHERE pp.program_id = p.id
             ORDER BY pp.organization_id, pp.role COLLATE "C") AS partner_ids,
       ARRAY(SELECT pp.role FROM program_partners pp WHERE pp.program_id = p.id
             ORDER BY pp.organization_id, pp.role COLLATE "C") AS partner_roles,
       ARRAY(SELECT pa.area_code FROM program_areas pa WHERE pa.program_id = p.id
             ORDER BY pa.area_code COLLATE "C") AS area_codes,
       (SELECT count(*) FROM enrollments e WHERE e.program_id = p.id
          AND e.deleted_at IS NULL AND e.status <> 'dropped') AS enrolled_count,
       (SELECT count(*) FROM enrollments e WHERE e.program_id = p.id
          AND e.deleted_at IS NULL AND e.status = 'completed') AS completed_count
FROM programs p
"""
_PROGRAM_PAGE = _PROGRAM + "WHERE p.deleted_at IS NULL ORDER BY p.id LIMIT $1"
_ONE_PROGRAM = _PROGRAM + "WHERE p.id = $1 AND p.deleted_at IS NULL"
_PROGRAMS_BY_ID = _PROGRAM + "WHERE p.id = ANY($1::uuid[])"

_INSERT_FEEDBACK = """
INSERT INTO feedback (id, created_at, updated_at, deleted_at, program_id,
    infrastructure_project_id, rating, comment, area_code, submitted_at, client_ref,
    received_at, client_id, survey_id, survey_version, answers, status, response_note)
SELECT $1, $2, $2, NULL, $3, NULL, $4, $5, NULL, $6, NULL, $2, $7, NULL, NULL, NULL, 'new', NULL
WHERE EXISTS (SELECT 1 FROM programs WHERE id = $3 AND deleted_at IS NULL)
"""

# The change feed's boundary, as src/sofifi_api/changes/service.py reads it.
_BOUNDARY = """
WITH snap AS (SELECT pg_current_snapshot() AS s),
elsewhere AS (
    SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
)
SELECT least(
    (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
     WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere)),
    (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap)
)
"""
_CHANGES = """
SELECT txid, seq, resource_id FROM changes
WHERE (txid, seq) > (0, 0) AND resource_type = 'program' AND txid < $1
ORDER BY txid, seq LIMIT $2
"""


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    program_id: uuid.UUID
    submitted_at: datetime
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    comment: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)] | None = None


class Problem(Exception):
    def __init__(self, status: int, title: str) -> None:
        self.status = status
        self.title = title


_encode = msgspec.json.Encoder().encode
_decode_feedback = msgspec.json.Decoder(FeedbackIn).decode
_decode_scopes = msgspec.json.Decoder(list[str]).decode


def _sign_cursor(key: str) -> str:
    payload = b'{"v":1,"k":"' + key.encode() + b'"}'
    body = urlsafe_b64encode(payload).decode().rstrip("=")
    secret = os.environ["SOFIFI_SECRET_KEY"].encode()
    digest = hmac.new(secret, b"cursor:" + payload, hashlib.sha256).digest()[:12]
    return f"{body}.{urlsafe_b64encode(digest).decode().rstrip('=')}"


def _program(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "deleted_at": row["deleted_at"],
        "title": row["title"],
        "description": row["description"],
        "category": row["category"],
        "status": row["status"],
        "lead_organization_id": row["lead_organization_id"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "budget_idr": row["budget_idr"],
        "target_participants": row["target_participants"],
        "partners": [
            {"organization_id": organization_id, "role": role}
            for organization_id, role in zip(row["partner_ids"], row["partner_roles"], strict=True)
        ],
        "area_codes": row["area_codes"],
        "enrolled_count": row["enrolled_count"],
        "completed_count": row["completed_count"],
    }


class Reference:
    """The ASGI application; the pool opens at lifespan start-up."""

    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        headers = dict(scope["headers"])
        try:
            status, body, extra = await self._route(scope, headers, receive)
        except Problem as problem:
            status, extra = problem.status, []
            body = _encode({"type": "about:blank", "title": problem.title, "status": status})
        content_type = b"application/problem+json" if status >= 400 else b"application/json"
        if scope["method"] == "GET" and status == 200:
            etag = b'"' + hashlib.sha256(body).hexdigest().encode() + b'"'
            if headers.get(b"if-none-match") == etag:
                status, body = 304, b""
            extra.append((b"etag", etag))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
                self.pool = await asyncpg.create_pool(url, min_size=5, max_size=15)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _route(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        assert self.pool is not None
        method, path = scope["method"], scope["path"]
        if path == "/health":
            return 200, b'{"status":"ok"}', []
        query = parse_qs(scope["query_string"].decode())
        async with self.pool.acquire() as connection:
            if method == "GET" and path == "/v1/programs":
                await _authenticate(connection, headers, "programs:read")
                return 200, await _program_page(connection, _limit(query)), []
            if method == "GET" and path.startswith("/v1/programs/"):
                await _authenticate(connection, headers, "programs:read")
                return 200, await _one_program(connection, path.removeprefix("/v1/programs/")), []
            if method == "POST" and path == "/v1/feedback":
                client_id = await _authenticate(connection, headers, "feedback:write")
                body = await _read_body(receive)
                stored, feedback_id = await _submit_feedback(connection, client_id, body)
                host = headers.get(b"host", b"localhost")
                location = b"http://" + host + b"/v1/feedback/" + str(feedback_id).encode()
                return 201, stored, [(b"location", location)]
            if method == "GET" and path == "/v1/changes":
                await _authenticate(connection, headers, "programs:read")
                if query.get("types", ["program"]) != ["program"]:
                    raise Problem(400, "Only types=program is served here")
                return 200, await _change_page(connection, _limit(query)), []
        raise Problem(404, "Not Found")


async def _authenticate(
    connection: "Connection", headers: dict[bytes, bytes], scope: str
) -> uuid.UUID:
    """The id of the client whose live key the request carries; 401 or 403 otherwise."""
    scheme, _, key = headers.get(b"authorization", b"").decode().partition(" ")
    lookup_id, _, secret = key.removeprefix("sfk_").partition("_")
    if scheme.lower() != "bearer" or not key.startswith("sfk_") or not secret:
        raise Problem(401, "Unauthorized")
    row = await connection.fetchrow(_KEY, lookup_id)
    digest = hashlib.sha256(key.encode()).hexdigest()
    if row is None or not row["active"] or not hmac.compare_digest(digest, row["digest"]):
        raise Problem(401, "Unauthorized")
    if scope not in _decode_scopes(row["scopes"]):
        raise Problem(403, "Forbidden")
    client_id: uuid.UUID = row["client_id"]
    return client_id


def _limit(query: dict[str, list[str]]) -> int:
    text = query.get("limit", [str(DEFAULT_LIMIT)])[0]
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise Problem(422, "Unprocessable Content")
    return int(text)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _program_page(connection: "Connection", limit: int) -> bytes:
    rows = await connection.fetch(_PROGRAM_PAGE, limit + 1)
    next_cursor = _sign_cursor(str(rows[limit - 1]["id"])) if len(rows) > limit else None
    return _encode({"data": [_program(row) for row in rows[:limit]], "next_cursor": next_cursor})


async def _one_program(connection: "Connection", text: str) -> bytes:
    try:
        program_id = uuid.UUID(text)
    except ValueError:
        raise Problem(422, "Unprocessable Content") from None
    row = await connection.fetchrow(_ONE_PROGRAM, program_id)
    if row is None:
        raise Problem(404, "Not Found")
    return _encode(_program(row))


async def _submit_feedback(
    connection: "Connection", client_id: uuid.UUID, body: bytes
) -> tuple[bytes, uuid.UUID]:
    try:
        data = _decode_feedback(body)
    except msgspec.DecodeError:
        raise Problem(422, "Unprocessable Content") from None
    if data.rating is None and data.comment is None:
        raise Problem(422, "Unprocessable Content")
    feedback_id, now = uuid7(), datetime.now(UTC)
    submitted_at = data.submitted_at.astimezone(UTC)
    status = await connection.execute(
        _INSERT_FEEDBACK,
        feedback_id,
        now,
        data.program_id,
        data.rating,
        data.comment,
        submitted_at,
        client_id,
    )
    if status != "INSERT 0 1":
        raise Problem(422, "Unprocessable Content")
    stored = {
        "id": feedback_id,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "survey_id": None,
        "survey_version": None,
        "answers": None,
        "program_id": data.program_id,
        "infrastructure_project_id": None,
        "rating": data.rating,
        "comment": data.comment,
        "area_code": None,
        "submitted_at": submitted_at,
        "client_ref": None,
        "received_at": now,
        "status": "new",
        "response_note": None,
    }
    return _encode(stored), feedback_id


async def _change_page(connection: "Connection", limit: int) -> bytes:
    boundary = await connection.fetchval(_BOUNDARY)
    changes = await connection.fetch(_CHANGES, boundary, limit)
    if not changes:
        return _encode({"data": [], "next_cursor": _sign_cursor("0:0")})
    # Each program once, at its latest change on the page.
    latest = list(dict.fromkeys(str(uuid.UUID(row["resource_id"])) for row in reversed(changes)))
    latest.reverse()
    rows = await connection.fetch(_PROGRAMS_BY_ID, [uuid.UUID(key) for key in latest])
    found = {str(row["id"]): row for row in rows}
    entries = [
        {
            "type": "program",
            "id": key,
            "op": "upsert" if found[key]["deleted_at"] is None else "delete",
            "resource": _program(found[key]) if found[key]["deleted_at"] is None else None,
        }
        for key in latest
        if key in found
    ]
    last = changes[-1]
    return _encode({"data": entries, "next_cursor": _sign_cursor(f"{last['txid']}:{last['seq']}")})


app = Reference()
