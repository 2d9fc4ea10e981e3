from typing import Any

from fastapi import APIRouter, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.principal import Principal
from sofifi_api.conditional import IfMatchDep
from sofifi_api.contributions import service
from sofifi_api.contributions.dependencies import (
    ContributionDep,
    ContributionFiltersDep,
    ContributionIdPath,
    ProjectIdPath,
)
from sofifi_api.contributions.models import (
    Contribution,
    ContributionCreate,
    ContributionPublic,
    ContributionUpdate,
)
from sofifi_api.db import ReadingDep, SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.pagination import Page, PageDep
from sofifi_api.representations.reading import json_response, page_response

router = APIRouter(
    prefix="/infrastructure-projects/{project_id}/contributions", tags=["contributions"]
)


async def _represent(
    session: AsyncSession, principal: Principal, contribution: Contribution
) -> dict[str, Any]:
    """What `get_contribution` answers for this contribution, as this request's transaction
    sees it."""
    return await service.read_contribution(
        await session.connection(),
        str(contribution.project_id),
        str(contribution.id),
        areas=principal.areas,
    )


@router.get(
    "",
    dependencies=[requires("projects:read")],
    response_model=Page[ContributionPublic],
    summary="List a project's contributions",
    responses=problem_responses(400, 404, 422),
)
async def list_contributions(
    request: Request,
    connection: ReadingDep,
    principal: PrincipalDep,
    project_id: ProjectIdPath,
    page: PageDep,
    filters: ContributionFiltersDep,
) -> Response:
    """The project's contributions in creation order."""
    items, next_key = await service.list_contributions(
        connection, project_id, page, filters, areas=principal.areas
    )
    return page_response(request, items, next_key)


@router.post(
    "",
    dependencies=[requires("projects:write")],
    response_model=ContributionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Record a contribution",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def create_contribution(
    request: Request,
    response: Response,
    session: SessionDep,
    project: ProjectDep,
    body: ContributionCreate,
) -> Contribution:
    """`labor` needs `person_days`, which other kinds may not carry; `cash` needs `value_idr`."""
    contribution = await service.create_contribution(session, project, body)
    response.headers["Location"] = str(
        request.url_for("get_contribution", project_id=project.id, contribution_id=contribution.id)
    )
    return contribution


@router.get(
    "/{contribution_id}",
    dependencies=[requires("projects:read")],
    response_model=ContributionPublic,
    summary="Get a contribution",
    responses=problem_responses(404, 422),
)
async def get_contribution(
    connection: ReadingDep,
    principal: PrincipalDep,
    project_id: ProjectIdPath,
    contribution_id: ContributionIdPath,
) -> Response:
    """The contribution with its kind, person-days and value; one given to another project
    answers 404."""
    return json_response(
        await service.read_contribution(
            connection, project_id, contribution_id, areas=principal.areas
        )
    )


@router.patch(
    "/{contribution_id}",
    dependencies=[requires("projects:write")],
    response_model=ContributionPublic,
    summary="Update a contribution",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_contribution(
    session: SessionDep,
    principal: PrincipalDep,
    project: ProjectDep,
    contribution: ContributionDep,
    body: ContributionUpdate,
    if_match: IfMatchDep,
) -> Response:
    """Changes only the fields sent; the kind rules are checked on the result, so changing
    `labor` to another kind also needs `"person_days": null`."""
    await if_match.require_current(
        session, contribution, lambda: _represent(session, principal, contribution)
    )
    await service.update_contribution(session, project, contribution, body)
    return json_response(await _represent(session, principal, contribution))


@router.delete(
    "/{contribution_id}",
    dependencies=[requires("projects:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a contribution",
    responses=problem_responses(404, 422),
)
async def delete_contribution(
    session: SessionDep,
    principal: PrincipalDep,
    project: ProjectDep,
    contribution: ContributionDep,
    if_match: IfMatchDep,
) -> None:
    """Leaves a tombstone that `include_deleted` lists."""
    await if_match.require_current(
        session, contribution, lambda: _represent(session, principal, contribution)
    )
    await service.delete_contribution(session, project, contribution)
