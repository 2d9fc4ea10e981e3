from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.areas.models import Area
from sofifi_api.areas.service import get_area
from sofifi_api.db import SessionDep


async def area_from_path(
    session: SessionDep,
    code: Annotated[
        str,
        Path(max_length=40, description="The area's code.", examples=["82.72.02.1003"]),
    ],
) -> Area:
    return await get_area(session, code)


AreaDep = Annotated[Area, Depends(area_from_path)]
