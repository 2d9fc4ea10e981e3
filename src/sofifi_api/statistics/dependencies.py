from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.areas.models import Area
from sofifi_api.areas.service import AreaNotFound, get_area
from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.statistics.visibility import area_statistics_visible


async def area_in_scope_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    code: Annotated[
        str,
        Path(max_length=40, description="The area's code.", examples=["82.72.02"]),
    ],
) -> Area:
    """The live area named in the path; one outside the client's areas is reported missing,
    since its statistics would count rows the client may not see."""
    if not area_statistics_visible(principal.areas, code):
        raise AreaNotFound(code)
    return await get_area(session, code)


AreaInScopeDep = Annotated[Area, Depends(area_in_scope_from_path)]
