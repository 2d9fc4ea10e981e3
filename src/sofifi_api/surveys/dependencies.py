from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.db import SessionDep
from sofifi_api.schemas import parse_id
from sofifi_api.surveys.models import Survey
from sofifi_api.surveys.service import SurveyNotFound, get_survey


async def survey_from_path(
    session: SessionDep,
    survey_id: Annotated[str, Path(max_length=64, description="The survey's id.")],
) -> Survey:
    parsed = parse_id(survey_id)
    if parsed is None:
        raise SurveyNotFound(survey_id)
    return await get_survey(session, parsed)


SurveyDep = Annotated[Survey, Depends(survey_from_path)]
