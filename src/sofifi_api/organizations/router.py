from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import ReadingDep, SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.organizations import service
from sofifi_api.organizations.dependencies import (
    OrganizationDep,
    OrganizationFiltersDep,
    OrganizationIdPath,
)
from sofifi_api.organizations.models import (
    Organization,
    OrganizationCreate,
    OrganizationPublic,
    OrganizationUpdate,
)
from sofifi_api.pagination import Page, PageDep
from sofifi_api.representations.reading import json_response, page_response

router = APIRouter(prefix="/organizations", tags=["organizations"])


async def _represent(session: AsyncSession, organization: Organization) -> dict[str, Any]:
    """What `get_organization` answers for this organization, as this request's transaction
    sees it."""
    connection = await session.connection()
    return await service.read_organization(connection, str(organization.id))


@router.get(
    "",
    dependencies=[requires("organizations:read")],
    response_model=Page[OrganizationPublic],
    summary="List organizations",
    responses=problem_responses(400, 422),
)
async def list_organizations(
    request: Request, connection: ReadingDep, page: PageDep, filters: OrganizationFiltersDep
) -> Response:
    """Organizations in creation order, filtered by their natural fields."""
    items, next_key = await service.list_organizations(connection, page, filters)
    return page_response(request, items, next_key)


@router.post(
    "",
    dependencies=[requires("organizations:write")],
    response_model=OrganizationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create an organization",
    responses=problem_responses(400, 413, 415, 422),
)
async def create_organization(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: OrganizationCreate,
) -> Organization:
    """A client restricted to areas must give an `area_code` within them (403)."""
    organization = await service.create_organization(session, body, areas=principal.areas)
    response.headers["Location"] = str(
        request.url_for("get_organization", organization_id=organization.id)
    )
    return organization


@router.get(
    "/{organization_id}",
    dependencies=[requires("organizations:read")],
    response_model=OrganizationPublic,
    summary="Get an organization",
    responses=problem_responses(404, 422),
)
async def get_organization(connection: ReadingDep, organization_id: OrganizationIdPath) -> Response:
    """The organization by its id; a deleted one answers 404."""
    return json_response(await service.read_organization(connection, organization_id))


@router.patch(
    "/{organization_id}",
    dependencies=[requires("organizations:write")],
    response_model=OrganizationPublic,
    summary="Update an organization",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_organization(
    session: SessionDep,
    principal: PrincipalDep,
    organization: OrganizationDep,
    body: OrganizationUpdate,
    if_match: IfMatchDep,
) -> Response:
    """Changes only the fields sent; a field sent as null is cleared (if it may be empty). A
    client restricted to areas may change only an organization based within them, and keep it
    there (403)."""
    await if_match.require_current(session, organization, lambda: _represent(session, organization))
    await service.update_organization(session, organization, body, areas=principal.areas)
    return json_response(await _represent(session, organization))


@router.delete(
    "/{organization_id}",
    dependencies=[requires("organizations:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an organization",
    responses=problem_responses(404, 409, 422),
)
async def delete_organization(
    session: SessionDep,
    principal: PrincipalDep,
    organization: OrganizationDep,
    if_match: IfMatchDep,
) -> None:
    """Leaves a tombstone that `include_deleted` lists; refused while programs still name it.
    A client restricted to areas may delete only an organization based within them (403)."""
    await if_match.require_current(session, organization, lambda: _represent(session, organization))
    await service.delete_organization(session, organization, areas=principal.areas)
