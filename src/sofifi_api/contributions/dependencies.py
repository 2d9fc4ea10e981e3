from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.contributions.models import Contribution
from sofifi_api.contributions.service import ContributionNotFound, get_contribution
from sofifi_api.db import SessionDep
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.schemas import parse_id


async def contribution_from_path(
    session: SessionDep,
    project: ProjectDep,
    contribution_id: Annotated[str, Path(max_length=64, description="The contribution's id.")],
) -> Contribution:
    parsed = parse_id(contribution_id)
    if parsed is None:
        raise ContributionNotFound(contribution_id)
    return await get_contribution(session, project, parsed)


ContributionDep = Annotated[Contribution, Depends(contribution_from_path)]
