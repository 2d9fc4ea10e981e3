"""The `Idempotency-Key` header on `POST /v1/…`: a retried request replays the first answer.

The middleware sits inside the authentication middleware and the body limit (which therefore
apply first) and outside the routes: it takes the client the request was authenticated as, takes
the key in a transaction of its own, runs the route with the buffered body, and keeps the answer
before the client sees it.
"""

import logging
import re
import uuid

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sofifi_api.audit.service import record_personal_data_read
from sofifi_api.auth.dependencies import TOKEN_URL
from sofifi_api.auth.principal import Principal
from sofifi_api.db import SessionOpener, session_opener, utcnow
from sofifi_api.errors import ApiError, answer_exception, problem_response, request_id_of
from sofifi_api.idempotency import service
from sofifi_api.idempotency.service import IdempotentRequest, Reservation, Verdict
from sofifi_api.participants.models import Participant
from sofifi_api.participants.persons import person_public, withhold_personal_data
from sofifi_api.participants.visibility import PARTICIPANTS

logger = logging.getLogger(__name__)

HEADER = "idempotency-key"
VALID_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")
EXCLUDED_PATHS = frozenset({TOKEN_URL})
# Refusals a retry may overcome (the operation did not run): the key is freed, not kept.
_NOT_KEPT = frozenset({401, 403, 408, 429})
# `request.state` attribute naming the person whose personal data the answer shows.
_PERSONAL_DATA_OF = "idempotency_personal_data_of"


def answer_shows_personal_data(request: Request, participant_id: uuid.UUID) -> None:
    """Marks the answer being built as showing this person's NIK, phone or birth date: kept for
    an Idempotency-Key, it is voided by the person's erasure, and each replay re-checks the
    caller (and is recorded as a `pii.read`) before showing it again."""
    setattr(request.state, _PERSONAL_DATA_OF, participant_id)


class InvalidIdempotencyKey(ApiError):
    status, title, slug = 400, "Invalid Idempotency-Key", "invalid-idempotency-key"

    def __init__(self) -> None:
        super().__init__(
            "Send one Idempotency-Key header of 1 to 255 printable ASCII characters "
            "(a UUID is a good choice)."
        )


class KeyInFlight(ApiError):
    status, title, slug = 409, "Request in progress", "idempotency-key-in-flight"

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry shortly to "
            "receive its answer.",
            headers={"Retry-After": "1"},
        )


class AnswerWithheld(ApiError):
    status, title, slug = 409, "Answer not kept", "idempotency-answer-withheld"

    def __init__(self, first_status: int, headers: dict[str, str]) -> None:
        super().__init__(
            f"The request with this Idempotency-Key already succeeded ({first_status}); its "
            "answer carried a secret shown only once and was not kept.",
            headers=headers,
        )


class KeyReused(ApiError):
    status, title, slug = 422, "Idempotency-Key reused", "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request (another method, "
            "path or body); use a new key for a new request."
        )


def _problem(scope: Scope, error: ApiError) -> Response:
    return problem_response(
        Request(scope),
        status=error.status,
        title=error.title,
        slug=error.slug,
        detail=error.detail,
        headers=error.headers,
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class IdempotencyMiddleware:
    """Makes a POST under `/v1` with an `Idempotency-Key` happen at most once per client and key:
    a retry with the same body gets the first answer (`Idempotent-Replayed: true`), one with
    another body 422, one while the first still runs 409."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/v1/")
            or scope["path"] in EXCLUDED_PATHS
        ):
            await self.app(scope, receive, send)
            return
        keys = Headers(scope=scope).getlist(HEADER)
        if not keys:
            await self.app(scope, receive, send)
            return
        if len(keys) != 1 or not VALID_KEY.match(keys[0]):
            await _problem(scope, InvalidIdempotencyKey())(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except HTTPException as exc:
            # The body limit refused the body: let the route's error handling answer it.
            await self.app(scope, _raising(exc), send)
            return
        replay = _replaying(body, receive)
        app: FastAPI = scope["app"]
        sessions = session_opener(app)
        request = Request(scope)
        # Authenticated (and counted) by `AuthenticationMiddleware` outside this one.
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            await self.app(scope, replay, send)  # no operation here: the router answers
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = f"{scope['path']}?{query}" if query else scope["path"]
        idempotent = IdempotentRequest(
            client_id=principal.client_id,
            key=keys[0],
            method=scope["method"],
            path=scope["path"],
            digest=service.request_digest(scope["method"], target, body),
        )
        # Outside the routes' error handling: a database fault here is answered as there.
        try:
            async with sessions() as session:
                reservation = await service.reserve(session, idempotent, utcnow())
        except Exception as exc:
            await (await answer_exception(request, exc))(scope, replay, send)
            return
        if reservation.verdict is Verdict.RESERVED:
            assert reservation.taken_at is not None
            await self._run(scope, replay, send, sessions, idempotent, reservation)
            return
        try:
            response = await self._answer(request, principal, reservation, sessions)
        except Exception as exc:
            response = await answer_exception(request, exc)
        await response(scope, replay, send)

    async def _answer(
        self,
        request: Request,
        principal: Principal,
        reservation: Reservation,
        sessions: SessionOpener,
    ) -> Response:
        """The middleware's own answer (the request was counted against the client's rate
        limit when it was authenticated)."""
        record = reservation.record
        if reservation.verdict is Verdict.REUSED:
            return _problem(request.scope, KeyReused())
        if reservation.verdict is Verdict.IN_FLIGHT or record is None:
            return _problem(request.scope, KeyInFlight())
        assert record.response_status is not None
        headers = {str(k): str(v) for k, v in record.response_headers.items()}
        body = service.stored_body(record)
        if body is None:
            kept = {k: v for k, v in headers.items() if k == "location"}
            return _problem(request.scope, AnswerWithheld(record.response_status, kept))
        if record.participant_id is not None:
            body = await _personal_data_rechecked(
                request, principal, record.participant_id, body, sessions
            )
        headers["idempotent-replayed"] = "true"
        return Response(body, status_code=record.response_status, headers=headers)

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        sessions: SessionOpener,
        request: IdempotentRequest,
        reservation: Reservation,
    ) -> None:
        """Runs the route; keeps its answer before sending it, or frees the key if it failed."""
        assert reservation.taken_at is not None
        messages: list[Message] = []
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            messages.append(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await self._release(sessions, request, reservation)
            raise
        if status >= 500 or status in _NOT_KEPT:
            await self._release(sessions, request, reservation)
        else:
            await self._keep(scope, sessions, request, reservation, status, messages)
        for message in messages:
            await send(message)

    async def _keep(
        self,
        scope: Scope,
        sessions: SessionOpener,
        request: IdempotentRequest,
        reservation: Reservation,
        status: int,
        messages: list[Message],
    ) -> None:
        assert reservation.taken_at is not None
        start = next(m for m in messages if m["type"] == "http.response.start")
        response_headers = Headers(raw=start.get("headers", []))
        kept = {
            name: response_headers[name]
            for name in service.REPLAYED_HEADERS
            if name in response_headers
        }
        secret = "no-store" in response_headers.get("cache-control", "")
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        shown: uuid.UUID | None = getattr(Request(scope).state, _PERSONAL_DATA_OF, None)
        try:
            async with sessions() as session:
                await service.complete(
                    session,
                    request,
                    reservation.taken_at,
                    status=status,
                    headers=kept,
                    body=None if secret else body,
                    participant_id=shown,
                )
        except Exception:
            # The operation happened: the key stays taken and a retry answers 409 until the
            # reservation times out, rather than running the operation twice at once.
            logger.exception("idempotency answer not stored")

    async def _release(
        self, sessions: SessionOpener, request: IdempotentRequest, reservation: Reservation
    ) -> None:
        assert reservation.taken_at is not None
        try:
            async with sessions() as session:
                await service.release(session, request, reservation.taken_at)
        except Exception:
            logger.exception("idempotency key not freed")


async def _personal_data_rechecked(
    request: Request,
    principal: Principal,
    participant_id: uuid.UUID,
    body: bytes,
    sessions: SessionOpener,
) -> bytes:
    """A kept answer that showed a person's personal data, as the caller may see it now: as
    kept, recorded as a `pii.read`, for a caller still granted `participants:pii` over the
    person's area; withheld (`redacted`) otherwise; the erased person once erased."""
    async with sessions() as session:
        person = await session.get(Participant, participant_id)
        if person is not None and person.erased_at is not None:
            # Erased while the answer was being kept: void it now.
            erased = person_public(person, with_personal_data=True).model_dump_json().encode()
            await service.replace_personal_data_answers(session, participant_id, erased)
            await session.commit()
            return erased
        if (
            person is None
            or not principal.sees_personal_data
            or not await PARTICIPANTS.visible_keys(session, [participant_id], principal.areas)
        ):
            return withhold_personal_data(body)
        await record_personal_data_read(session, principal, participant_id, request_id_of(request))
        await session.commit()
    return body


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the buffered body to the route, then listens to the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _raising(exc: HTTPException) -> Receive:
    async def receive() -> Message:
        raise exc

    return receive
