from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.db import SessionDep
from sofifi_api.organizations.models import Organization
from sofifi_api.organizations.service import OrganizationNotFound, get_organization
from sofifi_api.schemas import parse_id


async def organization_from_path(
    session: SessionDep,
    organization_id: Annotated[str, Path(max_length=64, description="The organization's id.")],
) -> Organization:
    parsed = parse_id(organization_id)
    if parsed is None:
        raise OrganizationNotFound(organization_id)
    return await get_organization(session, parsed)


OrganizationDep = Annotated[Organization, Depends(organization_from_path)]
