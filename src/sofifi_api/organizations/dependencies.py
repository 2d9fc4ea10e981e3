from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.db import SessionDep
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.organizations.service import (
    OrganizationFilters,
    OrganizationNotFound,
    get_organization,
)
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery, parse_id

OrganizationIdPath = Annotated[str, Path(max_length=64, description="The organization's id.")]


async def organization_from_path(
    session: SessionDep, organization_id: OrganizationIdPath
) -> Organization:
    parsed = parse_id(organization_id)
    if parsed is None:
        raise OrganizationNotFound(organization_id)
    return await get_organization(session, parsed)


OrganizationDep = Annotated[Organization, Depends(organization_from_path)]


async def organization_filters(
    kind: Annotated[OrganizationKind | None, Query(description="Only this kind.")] = None,
    area_code: Annotated[
        str | None, Query(max_length=40, description="Only organizations based in this area.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Only names containing this text.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> OrganizationFilters:
    """The filters of the organization list, which its export shares."""
    return OrganizationFilters(
        kind=kind,
        area_code=area_code,
        name_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


OrganizationFiltersDep = Annotated[OrganizationFilters, Depends(organization_filters)]
