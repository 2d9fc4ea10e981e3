from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.consultations.models import Consultation
from sofifi_api.consultations.service import (
    ConsultationFilters,
    ConsultationNotFound,
    get_consultation,
)
from sofifi_api.db import SessionDep
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.schemas import Day, IncludeDeletedQuery, UpdatedSinceQuery, parse_id


async def consultation_from_path(
    session: SessionDep,
    project: ProjectDep,
    consultation_id: Annotated[str, Path(max_length=64, description="The consultation's id.")],
) -> Consultation:
    parsed = parse_id(consultation_id)
    if parsed is None:
        raise ConsultationNotFound(consultation_id)
    return await get_consultation(session, project, parsed)


ConsultationDep = Annotated[Consultation, Depends(consultation_from_path)]


async def consultation_filters(
    held_from: Annotated[
        Day | None, Query(description="Only meetings held on or after this day.")
    ] = None,
    held_to: Annotated[
        Day | None, Query(description="Only meetings held on or before this day.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> ConsultationFilters:
    """The filters of a project's consultation list, which the consultation export shares."""
    return ConsultationFilters(
        held_from=held_from,
        held_to=held_to,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


ConsultationFiltersDep = Annotated[ConsultationFilters, Depends(consultation_filters)]
