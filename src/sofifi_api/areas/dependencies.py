from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.areas.models import Area, AreaLevel
from sofifi_api.areas.service import AreaFilters, get_area
from sofifi_api.db import SessionDep
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery

AreaCodePath = Annotated[
    str, Path(max_length=40, description="The area's code.", examples=["82.72.02.1003"])
]


async def area_from_path(session: SessionDep, code: AreaCodePath) -> Area:
    return await get_area(session, code)


AreaDep = Annotated[Area, Depends(area_from_path)]


async def area_filters(
    level: Annotated[AreaLevel | None, Query(description="Only areas of this level.")] = None,
    parent_code: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Only the areas directly under this one.",
            examples=["82.72.02"],
        ),
    ] = None,
    is_official: Annotated[
        bool | None,
        Query(description="Only areas with (true) or without (false) an official code."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Only names containing this text, ignoring case."),
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> AreaFilters:
    """The filters of the area list, which its export shares."""
    return AreaFilters(
        level=level,
        parent_code=parent_code,
        is_official=is_official,
        name_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


AreaFiltersDep = Annotated[AreaFilters, Depends(area_filters)]
