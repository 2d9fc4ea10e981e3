from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.consultations.models import Consultation
from sofifi_api.consultations.service import ConsultationNotFound, get_consultation
from sofifi_api.db import SessionDep
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.schemas import parse_id


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
