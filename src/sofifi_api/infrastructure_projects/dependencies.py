import uuid
from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.infrastructure_projects.models import (
    InfrastructureProject,
    ProjectStatus,
    ProjectType,
)
from sofifi_api.infrastructure_projects.service import (
    ProjectFilters,
    ProjectNotFound,
    get_project,
)
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery, parse_id


async def project_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    project_id: Annotated[str, Path(max_length=64, description="The infrastructure project's id.")],
) -> InfrastructureProject:
    """The live project named in the path; one outside the client's areas is reported missing,
    and so are its consultations and contributions."""
    parsed = parse_id(project_id)
    if parsed is None:
        raise ProjectNotFound(project_id)
    return await get_project(session, parsed, areas=principal.areas)


ProjectDep = Annotated[InfrastructureProject, Depends(project_from_path)]


async def project_filters(
    status: Annotated[ProjectStatus | None, Query(description="Only this status.")] = None,
    project_type: Annotated[
        ProjectType | None, Query(description="Only this kind of work.")
    ] = None,
    area_code: Annotated[
        str | None, Query(max_length=40, description="Only projects serving exactly this area.")
    ] = None,
    implementing_organization_id: Annotated[
        uuid.UUID | None, Query(description="Only projects this organization implements.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Only titles containing this text.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> ProjectFilters:
    """The filters of the project list, which its exports share."""
    return ProjectFilters(
        status=status,
        project_type=project_type,
        area_code=area_code,
        implementing_organization_id=implementing_organization_id,
        title_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


ProjectFiltersDep = Annotated[ProjectFilters, Depends(project_filters)]
