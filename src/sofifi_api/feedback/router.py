import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import status as http_status
from pydantic import AwareDatetime

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.feedback import service
from sofifi_api.feedback.dependencies import FeedbackDep
from sofifi_api.feedback.models import (
    Feedback,
    FeedbackCreate,
    FeedbackPublic,
    FeedbackStatus,
    FeedbackUpdate,
)
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery

router = APIRouter(prefix="/feedback", tags=["feedback"])


@router.get(
    "",
    dependencies=[requires("feedback:read")],
    response_model=Page[FeedbackPublic],
    summary="List feedback",
    responses=problem_responses(400, 422),
)
async def list_feedback(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    program_id: Annotated[
        uuid.UUID | None, Query(description="Only feedback about this program.")
    ] = None,
    infrastructure_project_id: Annotated[
        uuid.UUID | None, Query(description="Only feedback about this infrastructure project.")
    ] = None,
    status: Annotated[
        FeedbackStatus | None, Query(description="Only feedback in this status.")
    ] = None,
    rating: Annotated[
        int | None, Query(ge=1, le=5, description="Only feedback with exactly this rating.")
    ] = None,
    min_rating: Annotated[
        int | None, Query(ge=1, le=5, description="Only feedback rated at least this.")
    ] = None,
    area_code: Annotated[
        str | None, Query(max_length=40, description="Only feedback collected in this area.")
    ] = None,
    client_ref: Annotated[
        str | None,
        Query(max_length=100, description="Only feedback the submitting app gave this reference."),
    ] = None,
    submitted_from: Annotated[
        AwareDatetime | None,
        Query(
            description="Only feedback submitted at or after this instant (RFC 3339 with offset).",
            examples=["2026-05-01T00:00:00+09:00"],
        ),
    ] = None,
    submitted_to: Annotated[
        AwareDatetime | None,
        Query(
            description="Only feedback submitted before this instant (exclusive; RFC 3339 with "
            "offset), so that consecutive windows never overlap.",
            examples=["2026-06-01T00:00:00+09:00"],
        ),
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> dict[str, Any]:
    """Feedback in creation order, filtered by subject, handling status, rating, area, the
    submitting app's reference and the device's submission time. A client restricted to areas
    sees only feedback about a program or project in its areas that was collected in one of
    them or names no area."""
    items, next_key = await service.list_feedback(
        session,
        page,
        service.FeedbackFilters(
            program_id=program_id,
            infrastructure_project_id=infrastructure_project_id,
            status=status,
            rating=rating,
            min_rating=min_rating,
            area_code=area_code,
            client_ref=client_ref,
            submitted_from=submitted_from,
            submitted_to=submitted_to,
            updated_since=updated_since,
            include_deleted=include_deleted,
        ),
        areas=principal.areas,
    )
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires("feedback:write")],
    response_model=FeedbackPublic,
    status_code=http_status.HTTP_201_CREATED,
    summary="Submit feedback",
    responses=problem_responses(400, 413, 415, 422),
)
async def create_feedback(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: FeedbackCreate,
) -> Feedback:
    """Records a rating, a comment or both about exactly one program or one infrastructure
    project. `submitted_at` is the device's clock (offline apps upload later); the server adds
    `received_at`. New feedback has status `new`. For a client restricted to areas, a program
    or project outside them is an unknown subject (422), and an `area_code` outside them is
    refused (403)."""
    feedback = await service.create_feedback(session, body, areas=principal.areas)
    response.headers["Location"] = str(request.url_for("get_feedback", feedback_id=feedback.id))
    return feedback


@router.get(
    "/{feedback_id}",
    dependencies=[requires("feedback:read")],
    response_model=FeedbackPublic,
    summary="Get feedback",
    responses=problem_responses(404, 422),
)
async def get_feedback(feedback: FeedbackDep) -> Feedback:
    return feedback


@router.patch(
    "/{feedback_id}",
    dependencies=[requires("feedback:write")],
    response_model=FeedbackPublic,
    summary="Handle feedback",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def update_feedback(
    session: SessionDep, feedback: FeedbackDep, body: FeedbackUpdate
) -> Feedback:
    """Changes only `status` and `response_note`. Status moves forwards only: `new` →
    `acknowledged` → `resolved`, or `new` → `resolved`; sending the current status again is
    accepted, moving backwards answers 409. What was submitted (subject, rating, comment, area,
    `submitted_at`, `client_ref`) never changes: sending any of it answers 422."""
    return await service.update_feedback(session, feedback, body)


@router.delete(
    "/{feedback_id}",
    dependencies=[requires("feedback:write")],
    status_code=http_status.HTTP_204_NO_CONTENT,
    summary="Delete feedback",
    responses=problem_responses(404, 422),
)
async def delete_feedback(session: SessionDep, feedback: FeedbackDep) -> None:
    """Leaves a tombstone that `include_deleted` lists."""
    await service.delete_feedback(session, feedback)
