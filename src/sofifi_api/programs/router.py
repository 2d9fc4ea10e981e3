from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.principal import Principal
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import ReadingDep, SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep
from sofifi_api.programs import service
from sofifi_api.programs.dependencies import (
    ProgramFiltersDep,
    ProgramIdPath,
    ProgramWithDetailsDep,
)
from sofifi_api.programs.models import (
    Program,
    ProgramCreate,
    ProgramPublic,
    ProgramUpdate,
)
from sofifi_api.representations.reading import json_response, page_response

router = APIRouter(prefix="/programs", tags=["programs"])


async def _represent(
    session: AsyncSession, principal: Principal, program: Program
) -> dict[str, Any]:
    """What `get_program` answers for this program, as this request's transaction sees it."""
    connection = await session.connection()
    return await service.read_program(connection, str(program.id), areas=principal.areas)


@router.get(
    "",
    dependencies=[requires("programs:read")],
    response_model=Page[ProgramPublic],
    summary="List programs",
    responses=problem_responses(400, 422),
)
async def list_programs(
    request: Request,
    connection: ReadingDep,
    principal: PrincipalDep,
    page: PageDep,
    filters: ProgramFiltersDep,
) -> Response:
    """Programs in creation order, filtered by their natural fields.

    Programs without a `start_date` (or `end_date`) never match `starts_on_or_after`
    (or `ends_on_or_before`). All filters combine with AND. A client restricted to areas
    sees only programs targeting at least one of them.
    """
    items, next_key = await service.list_programs(connection, page, filters, areas=principal.areas)
    return page_response(request, items, next_key)


@router.post(
    "",
    dependencies=[requires("programs:write")],
    response_model=ProgramPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a program",
    responses=problem_responses(400, 413, 415, 422),
)
async def create_program(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: ProgramCreate,
) -> ProgramPublic:
    """The lead organization, partner organizations and target areas must exist. A client
    restricted to areas must target at least one area, and only areas within its own (403)."""
    program = await service.create_program(session, body, areas=principal.areas)
    response.headers["Location"] = str(request.url_for("get_program", program_id=program.id))
    return program


@router.get(
    "/{program_id}",
    dependencies=[requires("programs:read")],
    response_model=ProgramPublic,
    summary="Get a program",
    responses=problem_responses(404, 422),
)
async def get_program(
    connection: ReadingDep, principal: PrincipalDep, program_id: ProgramIdPath
) -> Response:
    """The program with its partners, target areas and enrollment counts."""
    return json_response(await service.read_program(connection, program_id, areas=principal.areas))


@router.patch(
    "/{program_id}",
    dependencies=[requires("programs:write")],
    response_model=ProgramPublic,
    summary="Update a program",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_program(
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramWithDetailsDep,
    body: ProgramUpdate,
    if_match: IfMatchDep,
) -> Response:
    """Changes only the fields sent; `partners` and `area_codes` replace their whole lists.
    A client restricted to areas may change only a program all of whose areas, before and
    after, are within its own (403)."""
    await if_match.require_current(
        session, program, lambda: _represent(session, principal, program)
    )
    await service.update_program(session, program, body, areas=principal.areas)
    return json_response(await _represent(session, principal, program))


@router.delete(
    "/{program_id}",
    dependencies=[requires("programs:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a program",
    responses=problem_responses(404, 422),
)
async def delete_program(
    session: SessionDep,
    principal: PrincipalDep,
    program: ProgramWithDetailsDep,
    if_match: IfMatchDep,
) -> None:
    """Leaves a tombstone, and tombstones the program's enrollments; feedback is kept. A client
    restricted to areas may delete only a program all of whose areas are within its own (403)."""
    await if_match.require_current(
        session, program, lambda: _represent(session, principal, program)
    )
    await service.delete_program(session, program, areas=principal.areas)
