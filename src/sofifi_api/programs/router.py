import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.programs import service
from sofifi_api.programs.dependencies import ProgramDep, ProgramWithDetailsDep
from sofifi_api.programs.models import (
    ProgramCategory,
    ProgramCreate,
    ProgramPublic,
    ProgramStatus,
    ProgramUpdate,
)
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery

router = APIRouter(prefix="/programs", tags=["programs"])


@router.get(
    "",
    dependencies=[requires("programs:read")],
    response_model=Page[ProgramPublic],
    summary="List programs",
    responses=problem_responses(400, 422),
)
async def list_programs(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    status: Annotated[ProgramStatus | None, Query(description="Only this status.")] = None,
    category: Annotated[ProgramCategory | None, Query(description="Only this category.")] = None,
    lead_organization_id: Annotated[
        uuid.UUID | None, Query(description="Only programs this organization leads.")
    ] = None,
    organization_id: Annotated[
        uuid.UUID | None,
        Query(description="Only programs this organization leads or partners in (any role)."),
    ] = None,
    area_code: Annotated[
        str | None,
        Query(max_length=40, description="Only programs that list this area in `area_codes`."),
    ] = None,
    starts_on_or_after: Annotated[
        date | None,
        Query(description="Only programs whose `start_date` is on or after this date."),
    ] = None,
    ends_on_or_before: Annotated[
        date | None,
        Query(description="Only programs whose `end_date` is on or before this date."),
    ] = None,
    active_on: Annotated[
        date | None,
        Query(
            description="Only programs running on this date: `start_date` on or before it and "
            "`end_date` on or after it; a missing date leaves that side open."
        ),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Only titles containing this text.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> dict[str, Any]:
    """Programs in creation order, filtered by their natural fields.

    Programs without a `start_date` (or `end_date`) never match `starts_on_or_after`
    (or `ends_on_or_before`). All filters combine with AND. A client restricted to areas
    sees only programs targeting at least one of them.
    """
    items, next_key = await service.list_programs(
        session,
        page,
        areas=principal.areas,
        status=status,
        category=category,
        lead_organization_id=lead_organization_id,
        organization_id=organization_id,
        area_code=area_code,
        starts_on_or_after=starts_on_or_after,
        ends_on_or_before=ends_on_or_before,
        active_on=active_on,
        title_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )
    return page_body(request, response, items, next_key)


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
async def get_program(session: SessionDep, program: ProgramWithDetailsDep) -> ProgramPublic:
    """The program with its partners, target areas and enrollment counts."""
    return (await service.represent(session, [program]))[0]


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
) -> ProgramPublic:
    """Changes only the fields sent; `partners` and `area_codes` replace their whole lists.
    A client restricted to areas may change only a program all of whose areas, before and
    after, are within its own (403)."""
    return await service.update_program(session, program, body, areas=principal.areas)


@router.delete(
    "/{program_id}",
    dependencies=[requires("programs:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a program",
    responses=problem_responses(404, 422),
)
async def delete_program(session: SessionDep, principal: PrincipalDep, program: ProgramDep) -> None:
    """Leaves a tombstone, and tombstones the program's enrollments; feedback is kept. A client
    restricted to areas may delete only a program all of whose areas are within its own (403)."""
    await service.delete_program(session, program, areas=principal.areas)
