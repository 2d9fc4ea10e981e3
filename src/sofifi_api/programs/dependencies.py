import uuid
from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus
from sofifi_api.programs.service import ProgramFilters, ProgramNotFound, get_program
from sofifi_api.schemas import Day, IncludeDeletedQuery, UpdatedSinceQuery, parse_id

ProgramIdPath = Annotated[str, Path(max_length=64, description="The program's id.")]


async def program_from_path(
    session: SessionDep, principal: PrincipalDep, program_id: ProgramIdPath
) -> Program:
    """The live program named in the path, without its partners and areas; a program outside
    the client's areas is reported missing."""
    parsed = parse_id(program_id)
    if parsed is None:
        raise ProgramNotFound(program_id)
    return await get_program(session, parsed, areas=principal.areas)


async def program_with_details_from_path(
    session: SessionDep, principal: PrincipalDep, program_id: ProgramIdPath
) -> Program:
    """The live program named in the path, with its partners and areas loaded; a program
    outside the client's areas is reported missing."""
    parsed = parse_id(program_id)
    if parsed is None:
        raise ProgramNotFound(program_id)
    return await get_program(session, parsed, areas=principal.areas, with_details=True)


ProgramDep = Annotated[Program, Depends(program_from_path)]
ProgramWithDetailsDep = Annotated[Program, Depends(program_with_details_from_path)]


async def program_filters(
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
        Day | None,
        Query(description="Only programs whose `start_date` is on or after this date."),
    ] = None,
    ends_on_or_before: Annotated[
        Day | None,
        Query(description="Only programs whose `end_date` is on or before this date."),
    ] = None,
    active_on: Annotated[
        Day | None,
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
) -> ProgramFilters:
    """The filters of the program list, which its export shares."""
    return ProgramFilters(
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


ProgramFiltersDep = Annotated[ProgramFilters, Depends(program_filters)]
