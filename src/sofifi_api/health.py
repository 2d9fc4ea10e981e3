"""Liveness and readiness probes, open to everyone (no data in them)."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import text

from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Result of a probe."""

    status: Literal["ok"] = Field(description="`ok` when the check passed.", examples=["ok"])


@router.get("/health", response_model=Health, summary="Liveness probe")
async def get_health() -> Health:
    """Answers as long as the process serves requests."""
    return Health(status="ok")


@router.get(
    "/health/ready",
    response_model=Health,
    summary="Readiness probe",
    responses=problem_responses(503),
)
async def get_readiness(session: SessionDep) -> Health:
    """Answers 200 once the database answers; 503 otherwise."""
    await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok")
