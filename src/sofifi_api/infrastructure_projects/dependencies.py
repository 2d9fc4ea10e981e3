from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.infrastructure_projects.service import ProjectNotFound, get_project
from sofifi_api.schemas import parse_id


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
