from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi import status as http_status

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.infrastructure_projects import service
from sofifi_api.infrastructure_projects.dependencies import ProjectDep, ProjectFiltersDep
from sofifi_api.infrastructure_projects.models import (
    InfrastructureProjectCreate,
    InfrastructureProjectPublic,
    InfrastructureProjectUpdate,
)
from sofifi_api.pagination import Page, PageDep, page_body

router = APIRouter(prefix="/infrastructure-projects", tags=["infrastructure-projects"])


@router.get(
    "",
    dependencies=[requires("projects:read")],
    response_model=Page[InfrastructureProjectPublic],
    summary="List infrastructure projects",
    responses=problem_responses(400, 422),
)
async def list_infrastructure_projects(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    filters: ProjectFiltersDep,
) -> dict[str, Any]:
    """Projects in creation order, with their derived community totals.

    A project's `updated_at` also advances when one of its consultations or contributions
    changes, since that changes its totals. A client restricted to areas sees only projects
    serving at least one of them.
    """
    items, next_key = await service.list_projects(session, page, filters, areas=principal.areas)
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires("projects:write")],
    response_model=InfrastructureProjectPublic,
    status_code=http_status.HTTP_201_CREATED,
    summary="Create an infrastructure project",
    responses=problem_responses(400, 413, 415, 422),
)
async def create_infrastructure_project(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: InfrastructureProjectCreate,
) -> InfrastructureProjectPublic:
    """Referenced organizations and areas must exist; `location` must be valid GeoJSON. A client
    restricted to areas must name at least one area served, and only areas within its own (403).
    """
    project = await service.create_project(session, body, areas=principal.areas)
    response.headers["Location"] = str(
        request.url_for("get_infrastructure_project", project_id=project.id)
    )
    return await service.describe_project(session, project)


@router.get(
    "/{project_id}",
    dependencies=[requires("projects:read")],
    response_model=InfrastructureProjectPublic,
    summary="Get an infrastructure project",
    responses=problem_responses(404, 422),
)
async def get_infrastructure_project(
    session: SessionDep, project: ProjectDep
) -> InfrastructureProjectPublic:
    """The project with its location, funding and community participation totals."""
    return await service.describe_project(session, project)


@router.patch(
    "/{project_id}",
    dependencies=[requires("projects:write")],
    response_model=InfrastructureProjectPublic,
    summary="Update an infrastructure project",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_infrastructure_project(
    session: SessionDep,
    principal: PrincipalDep,
    project: ProjectDep,
    body: InfrastructureProjectUpdate,
    if_match: IfMatchDep,
) -> InfrastructureProjectPublic:
    """Changes only the fields sent; `area_codes` and `funding_sources` are replaced whole.
    Date order is checked on the result (e.g. a new `end_date` against the stored `start_date`).
    A client restricted to areas may change only a project all of whose areas, before and
    after, are within its own (403).
    """
    await if_match.require_current(
        session, project, lambda: service.describe_project(session, project)
    )
    updated = await service.update_project(session, project, body, areas=principal.areas)
    return await service.describe_project(session, updated)


@router.delete(
    "/{project_id}",
    dependencies=[requires("projects:write")],
    status_code=http_status.HTTP_204_NO_CONTENT,
    summary="Delete an infrastructure project",
    responses=problem_responses(404, 422),
)
async def delete_infrastructure_project(
    session: SessionDep, principal: PrincipalDep, project: ProjectDep, if_match: IfMatchDep
) -> None:
    """Leaves a tombstone, and tombstones the project's consultations and contributions. A
    client restricted to areas may delete only a project all of whose areas are within its own
    (403)."""
    await if_match.require_current(
        session, project, lambda: service.describe_project(session, project)
    )
    await service.delete_project(session, project, areas=principal.areas)
