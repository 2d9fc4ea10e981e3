from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response, status

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import SessionDep
from sofifi_api.enrollments import service
from sofifi_api.enrollments.dependencies import EnrollmentDep, EnrollmentFiltersDep
from sofifi_api.enrollments.models import (
    Enrollment,
    EnrollmentCreate,
    EnrollmentPublic,
    EnrollmentUpdate,
)
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.programs.dependencies import ProgramDep

router = APIRouter(prefix="/programs/{program_id}/enrollments", tags=["enrollments"])


@router.get(
    "",
    dependencies=[requires("programs:read")],
    response_model=Page[EnrollmentPublic],
    summary="List a program's enrollments",
    responses=problem_responses(400, 404, 422),
)
async def list_enrollments(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramDep,
    page: PageDep,
    filters: EnrollmentFiltersDep,
) -> dict[str, Any]:
    """The program's enrollments in creation order; 404 when the program is deleted. A client
    restricted to areas sees only enrollments of participants in its areas."""
    items, next_key = await service.list_enrollments(
        session, page, replace(filters, program_id=program.id), areas=principal.areas
    )
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires("programs:write")],
    response_model=EnrollmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Enroll a participant",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def create_enrollment(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramDep,
    body: EnrollmentCreate,
) -> Enrollment:
    """A participant has at most one live enrollment per program (409 otherwise). For a client
    restricted to areas, a participant outside them is an unknown `participant_id` (422)."""
    enrollment = await service.create_enrollment(session, program, body, areas=principal.areas)
    response.headers["Location"] = str(
        request.url_for("get_enrollment", program_id=program.id, enrollment_id=enrollment.id)
    )
    return enrollment


@router.get(
    "/{enrollment_id}",
    dependencies=[requires("programs:read")],
    response_model=EnrollmentPublic,
    summary="Get an enrollment",
    responses=problem_responses(404, 422),
)
async def get_enrollment(enrollment: EnrollmentDep) -> Enrollment:
    """The enrollment with its status and income outcome. One of another program, or of a
    participant outside the client's areas, answers 404."""
    return enrollment


@router.patch(
    "/{enrollment_id}",
    dependencies=[requires("programs:write")],
    response_model=EnrollmentPublic,
    summary="Update an enrollment",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_enrollment(
    session: SessionDep,
    program: ProgramDep,
    enrollment: EnrollmentDep,
    body: EnrollmentUpdate,
    if_match: IfMatchDep,
) -> Enrollment:
    """Changes only the fields sent; `participant_id` cannot change (enroll anew instead)."""
    await if_match.require_current(session, enrollment, EnrollmentPublic)
    return await service.update_enrollment(session, program, enrollment, body)


@router.delete(
    "/{enrollment_id}",
    dependencies=[requires("programs:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an enrollment",
    responses=problem_responses(404, 422),
)
async def delete_enrollment(
    session: SessionDep, program: ProgramDep, enrollment: EnrollmentDep, if_match: IfMatchDep
) -> None:
    """Leaves a tombstone that `include_deleted` lists; the participant may be enrolled again."""
    await if_match.require_current(session, enrollment, EnrollmentPublic)
    await service.delete_enrollment(session, program, enrollment)
