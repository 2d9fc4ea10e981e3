from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.principal import Principal
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import ReadingDep, SessionDep
from sofifi_api.enrollments import service
from sofifi_api.enrollments.dependencies import (
    EnrollmentDep,
    EnrollmentFiltersDep,
    EnrollmentIdPath,
)
from sofifi_api.enrollments.models import (
    Enrollment,
    EnrollmentCreate,
    EnrollmentPublic,
    EnrollmentUpdate,
)
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep
from sofifi_api.programs.dependencies import ProgramDep, ProgramIdPath
from sofifi_api.representations.reading import json_response, page_response

router = APIRouter(prefix="/programs/{program_id}/enrollments", tags=["enrollments"])


async def _represent(
    session: AsyncSession, principal: Principal, enrollment: Enrollment
) -> dict[str, Any]:
    """What `get_enrollment` answers for this enrollment, as this request's transaction sees
    it."""
    return await service.read_enrollment(
        await session.connection(),
        str(enrollment.program_id),
        str(enrollment.id),
        areas=principal.areas,
    )


@router.get(
    "",
    dependencies=[requires("programs:read")],
    response_model=Page[EnrollmentPublic],
    summary="List a program's enrollments",
    responses=problem_responses(400, 404, 422),
)
async def list_enrollments(
    request: Request,
    connection: ReadingDep,
    principal: PrincipalDep,
    program_id: ProgramIdPath,
    page: PageDep,
    filters: EnrollmentFiltersDep,
) -> Response:
    """The program's enrollments in creation order; 404 when the program is deleted. A client
    restricted to areas sees only enrollments of participants in its areas."""
    items, next_key = await service.list_enrollments(
        connection, program_id, page, filters, areas=principal.areas
    )
    return page_response(request, items, next_key)


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
async def get_enrollment(
    connection: ReadingDep,
    principal: PrincipalDep,
    program_id: ProgramIdPath,
    enrollment_id: EnrollmentIdPath,
) -> Response:
    """The enrollment with its status and income outcome. One of another program, or of a
    participant outside the client's areas, answers 404."""
    return json_response(
        await service.read_enrollment(connection, program_id, enrollment_id, areas=principal.areas)
    )


@router.patch(
    "/{enrollment_id}",
    dependencies=[requires("programs:write")],
    response_model=EnrollmentPublic,
    summary="Update an enrollment",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_enrollment(
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramDep,
    enrollment: EnrollmentDep,
    body: EnrollmentUpdate,
    if_match: IfMatchDep,
) -> Response:
    """Changes only the fields sent; `participant_id` cannot change (enroll anew instead)."""
    await if_match.require_current(
        session, enrollment, lambda: _represent(session, principal, enrollment)
    )
    await service.update_enrollment(session, program, enrollment, body)
    return json_response(await _represent(session, principal, enrollment))


@router.delete(
    "/{enrollment_id}",
    dependencies=[requires("programs:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an enrollment",
    responses=problem_responses(404, 422),
)
async def delete_enrollment(
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramDep,
    enrollment: EnrollmentDep,
    if_match: IfMatchDep,
) -> None:
    """Leaves a tombstone that `include_deleted` lists; the participant may be enrolled again."""
    await if_match.require_current(
        session, enrollment, lambda: _represent(session, principal, enrollment)
    )
    await service.delete_enrollment(session, program, enrollment)
