from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response, status

from sofifi_api.auth.areas import EVERY_AREA
from sofifi_api.auth.dependencies import requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.contributions import service
from sofifi_api.contributions.dependencies import ContributionDep, ContributionFiltersDep
from sofifi_api.contributions.models import (
    Contribution,
    ContributionCreate,
    ContributionPublic,
    ContributionUpdate,
)
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.pagination import Page, PageDep, page_body

router = APIRouter(
    prefix="/infrastructure-projects/{project_id}/contributions", tags=["contributions"]
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
    response: Response,
    session: SessionDep,
    project: ProjectDep,
    page: PageDep,
    filters: ContributionFiltersDep,
) -> dict[str, Any]:
    """The project's contributions in creation order."""
    items, next_key = await service.list_contributions(
        session, page, replace(filters, project_id=project.id), areas=EVERY_AREA
    )
    return page_body(request, response, items, next_key)


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
async def get_contribution(contribution: ContributionDep) -> Contribution:
    """The contribution with its kind, person-days and value; one given to another project
    answers 404."""
    return contribution


@router.patch(
    "/{contribution_id}",
    dependencies=[requires("projects:write")],
    response_model=ContributionPublic,
    summary="Update a contribution",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_contribution(
    session: SessionDep,
    project: ProjectDep,
    contribution: ContributionDep,
    body: ContributionUpdate,
    if_match: IfMatchDep,
) -> Contribution:
    """Changes only the fields sent; the kind rules are checked on the result, so changing
    `labor` to another kind also needs `"person_days": null`."""
    await if_match.require_current(session, contribution, ContributionPublic)
    return await service.update_contribution(session, project, contribution, body)


@router.delete(
    "/{contribution_id}",
    dependencies=[requires("projects:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a contribution",
    responses=problem_responses(404, 422),
)
async def delete_contribution(
    session: SessionDep, project: ProjectDep, contribution: ContributionDep, if_match: IfMatchDep
) -> None:
    """Leaves a tombstone that `include_deleted` lists."""
    await if_match.require_current(session, contribution, ContributionPublic)
    await service.delete_contribution(session, project, contribution)
