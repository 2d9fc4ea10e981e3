from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.contributions.models import Contribution, ContributionKind
from sofifi_api.contributions.service import (
    ContributionFilters,
    ContributionNotFound,
    get_contribution,
)
from sofifi_api.db import SessionDep
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery, parse_id

# As `ProjectDep` declares it, for the routes that read without loading the project.
ProjectIdPath = Annotated[str, Path(max_length=64, description="The infrastructure project's id.")]
ContributionIdPath = Annotated[str, Path(max_length=64, description="The contribution's id.")]


async def contribution_from_path(
    session: SessionDep, project: ProjectDep, contribution_id: ContributionIdPath
) -> Contribution:
    parsed = parse_id(contribution_id)
    if parsed is None:
        raise ContributionNotFound(contribution_id)
    return await get_contribution(session, project, parsed)


ContributionDep = Annotated[Contribution, Depends(contribution_from_path)]


async def contribution_filters(
    kind: Annotated[ContributionKind | None, Query(description="Only this kind.")] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> ContributionFilters:
    """The filters of a project's contribution list, which the contribution export shares."""
    return ContributionFilters(
        kind=kind, updated_since=updated_since, include_deleted=include_deleted
    )


ContributionFiltersDep = Annotated[ContributionFilters, Depends(contribution_filters)]
