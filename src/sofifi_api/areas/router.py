from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas import service
from sofifi_api.areas.dependencies import AreaCodePath, AreaDep, AreaFiltersDep
from sofifi_api.areas.models import Area, AreaCreate, AreaPublic, AreaUpdate
from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import ReadingDep, SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep
from sofifi_api.representations.reading import json_response, page_response

router = APIRouter(prefix="/areas", tags=["areas"])


async def _represent(session: AsyncSession, area: Area) -> dict[str, Any]:
    """What `get_area` answers for this area, as this request's transaction sees it."""
    return await service.read_area(await session.connection(), area.code)


@router.get(
    "",
    dependencies=[requires("areas:read")],
    response_model=Page[AreaPublic],
    summary="List areas",
    responses=problem_responses(400, 422),
)
async def list_areas(
    request: Request, connection: ReadingDep, page: PageDep, filters: AreaFiltersDep
) -> Response:
    """Areas in code order, so that each area follows its parent."""
    items, next_key = await service.list_areas(connection, page, filters)
    return page_response(request, items, next_key)


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
async def get_area(connection: ReadingDep, code: AreaCodePath) -> Response:
    """The area by its code (an official Kemendagri code, or a local one under its
    district); a deleted one answers 404."""
    return json_response(await service.read_area(connection, code))


@router.patch(
    "/{code}",
    dependencies=[requires("areas:write")],
    response_model=AreaPublic,
    summary="Update an area",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def update_area(
    session: SessionDep,
    principal: PrincipalDep,
    area: AreaDep,
    body: AreaUpdate,
    if_match: IfMatchDep,
) -> Response:
    """Changes only the fields sent; the code never changes, and the result must still fit
    the hierarchy and code rules. A client restricted to areas may change only areas within
    them (403)."""
    await if_match.require_current(session, area, lambda: _represent(session, area))
    await service.update_area(session, area, body, areas=principal.areas)
    return json_response(await _represent(session, area))


@router.delete(
    "/{code}",
    dependencies=[requires("areas:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an area",
    responses=problem_responses(404, 409, 422),
)
async def delete_area(
    session: SessionDep, principal: PrincipalDep, area: AreaDep, if_match: IfMatchDep
) -> None:
    """Leaves a tombstone that `include_deleted` lists; refused while child areas or live
    organizations, participants, programs, projects or feedback still name it. A client
    restricted to areas may delete only areas within them (403)."""
    await if_match.require_current(session, area, lambda: _represent(session, area))
    await service.delete_area(session, area, areas=principal.areas)
