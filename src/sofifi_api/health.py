"""Liveness and readiness probes, open to everyone (no data in them)."""

import logging
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sofifi_api.db import Database, session_opener
from sofifi_api.errors import ServiceUnavailable, problem_responses
from sofifi_api.schema import SCHEMA_PROBLEMS, SchemaState, schema_state

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

_DATABASE_FAULTS = (OSError, DBAPIError, PoolTimeout)
UNREACHABLE = "database-unreachable"


class Health(BaseModel):
    """Result of a probe."""

    status: Literal["ok"] = Field(description="`ok` when the check passed.", examples=["ok"])


class NotReady(ServiceUnavailable):
    title, slug = "Not ready", "not-ready"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "2"}, extensions={"reason": reason})


@router.get(
    "/health",
    response_model=Health,
    summary="Liveness probe",
    response_description="The process serves requests.",
)
async def get_health() -> Health:
    """Answers as long as the process serves requests."""
    return Health(status="ok")


@router.get(
    "/health/ready",
    response_model=Health,
    summary="Readiness probe",
    response_description="Ready: the database answers and its schema is at the latest migration.",
    responses={
        503: {
            **problem_responses(503)[503],
            "description": "Not ready (`/problems/not-ready`); `reason` says why: "
            "`database-unreachable`, `not-migrated` (run `sofifi-api migrate`), `behind` (a "
            "migration is pending) or `unknown-revision` (a newer release migrated the database).",
        }
    },
)
async def get_readiness(request: Request) -> Health:
    """Answers 200 once the database answers and its schema is at the latest migration; 503
    otherwise, naming the reason."""
    try:
        async with session_opener(request.app)() as session:
            state = await schema_state(await session.connection())
    except _DATABASE_FAULTS as exc:
        raise NotReady(UNREACHABLE, "The database does not answer.") from exc
    if state is not SchemaState.current:
        raise NotReady(state.value, SCHEMA_PROBLEMS[state])
    return Health(status="ok")


async def report_schema_state(database: Database) -> None:
    """At start: says loudly when the database cannot serve this version (the process still
    starts, so that a migration or a database coming up later needs no restart)."""
    try:
        async with database.engine.connect() as connection:
            state = await schema_state(connection)
    except _DATABASE_FAULTS as exc:
        logger.warning(
            "The database does not answer at start (%s); /health/ready answers 503 until it does.",
            type(exc).__name__,
        )
        return
    if state is not SchemaState.current:
        logger.error(
            "%s Until then /health/ready answers 503 and every request fails.",
            SCHEMA_PROBLEMS[state],
        )
