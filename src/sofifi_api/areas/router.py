from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from sofifi_api.areas import service
from sofifi_api.areas.dependencies import AreaDep
from sofifi_api.areas.models import Area, AreaCreate, AreaLevel, AreaPublic, AreaUpdate
from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery

router = APIRouter(prefix="/areas", tags=["areas"])


@router.get(
    "",
    dependencies=[requires("areas:read")],
    response_model=Page[AreaPublic],
    summary="List areas",
    responses=problem_responses(400, 422),
)
async def list_areas(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    level: Annotated[AreaLevel | None, Query(description="Only areas of this level.")] = None,
    parent_code: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Only the areas directly under this one.",
            examples=["82.72.02"],
        ),
    ] = None,
    is_official: Annotated[
        bool | None,
        Query(description="Only areas with (true) or without (false) an official code."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Only names containing this text, ignoring case."),
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> dict[str, Any]:
    """Areas in code order, so that each area follows its parent."""
    items, next_key = await service.list_areas(
        session,
        page,
        level=level,
        parent_code=parent_code,
        is_official=is_official,
        name_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires("areas:write")],
    response_model=AreaPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create an area",
    responses=problem_responses(400, 409, 413, 415, 422),
)
async def create_area(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: AreaCreate,
) -> Area:
    """The parent must be a live area of the level directly above, and an official code must
    follow the Kemendagri form for its level and start with the parent's code. A client
    restricted to areas may add areas only within them (403)."""
    area = await service.create_area(session, body, areas=principal.areas)
    response.headers["Location"] = str(request.url_for("get_area", code=area.code))
    return area


@router.get(
    "/{code}",
    dependencies=[requires("areas:read")],
    response_model=AreaPublic,
    summary="Get an area",
    responses=problem_responses(404, 422),
)
async def get_area(area: AreaDep) -> Area:
    return area


@router.patch(
    "/{code}",
    dependencies=[requires("areas:write")],
    response_model=AreaPublic,
    summary="Update an area",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def update_area(
    session: SessionDep, principal: PrincipalDep, area: AreaDep, body: AreaUpdate
) -> Area:
    """Changes only the fields sent; the code never changes, and the result must still fit
    the hierarchy and code rules. A client restricted to areas may change only areas within
    them (403)."""
    return await service.update_area(session, area, body, areas=principal.areas)


@router.delete(
    "/{code}",
    dependencies=[requires("areas:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an area",
    responses=problem_responses(404, 409, 422),
)
async def delete_area(session: SessionDep, principal: PrincipalDep, area: AreaDep) -> None:
    """Leaves a tombstone that `include_deleted` lists; refused while child areas or live
    organizations, participants, programs, projects or feedback still name it. A client
    restricted to areas may delete only areas within them (403)."""
    await service.delete_area(session, area, areas=principal.areas)
