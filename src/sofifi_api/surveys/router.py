from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.dependencies import requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.schemas import IncludeDeletedQuery, UpdatedSinceQuery
from sofifi_api.surveys import service
from sofifi_api.surveys.dependencies import SurveyDep
from sofifi_api.surveys.models import (
    Survey,
    SurveyCreate,
    SurveyPublic,
    SurveyUpdate,
    SurveyVersion,
    SurveyVersionCreate,
    SurveyVersionPublic,
)

router = APIRouter(prefix="/surveys", tags=["surveys"])


async def _represent(session: AsyncSession, survey: Survey) -> SurveyPublic:
    """What `get_survey` answers: the survey with the questions of its latest version."""
    return SurveyPublic.of(survey, await service.latest_version(session, survey))


VersionPath = Annotated[
    str, Path(max_length=20, description="The version number, from 1.", examples=["1"])
]


@router.get(
    "",
    dependencies=[requires("surveys:read")],
    response_model=Page[SurveyPublic],
    summary="List surveys",
    responses=problem_responses(400, 422),
)
async def list_surveys(
    request: Request,
    response: Response,
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Only titles containing this text.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> dict[str, Any]:
    """Surveys in creation order, each with the questions of its latest version."""
    rows, next_key = await service.list_surveys(
        session,
        page,
        title_contains=q,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )
    items = [SurveyPublic.of(survey, latest) for survey, latest in rows]
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires("surveys:write")],
    response_model=SurveyPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a survey",
    responses=problem_responses(400, 413, 415, 422),
)
async def create_survey(
    request: Request, response: Response, session: SessionDep, body: SurveyCreate
) -> SurveyPublic:
    """Creates the survey with its questions as version 1. Every invalid question field is
    reported at once, named by its path (`questions.2.choices`)."""
    survey, version = await service.create_survey(session, body)
    response.headers["Location"] = str(request.url_for("get_survey", survey_id=survey.id))
    return SurveyPublic.of(survey, version)


@router.get(
    "/{survey_id}",
    dependencies=[requires("surveys:read")],
    response_model=SurveyPublic,
    summary="Get a survey",
    responses=problem_responses(404, 422),
)
async def get_survey(session: SessionDep, survey: SurveyDep) -> SurveyPublic:
    """The survey with the questions of its latest version and the numbers of all versions."""
    return await _represent(session, survey)


@router.patch(
    "/{survey_id}",
    dependencies=[requires("surveys:write")],
    response_model=SurveyPublic,
    summary="Update a survey",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_survey(
    session: SessionDep, survey: SurveyDep, body: SurveyUpdate, if_match: IfMatchDep
) -> SurveyPublic:
    """Changes the title or description only; questions change by publishing a new version."""
    await if_match.require_current(session, survey, lambda: _represent(session, survey))
    survey = await service.update_survey(session, survey, body)
    return await _represent(session, survey)


@router.delete(
    "/{survey_id}",
    dependencies=[requires("surveys:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a survey",
    responses=problem_responses(404, 422),
)
async def delete_survey(session: SessionDep, survey: SurveyDep, if_match: IfMatchDep) -> None:
    """Leaves a tombstone that `include_deleted` lists. Feedback already received keeps
    pointing at the survey's versions; new feedback can no longer name it."""
    await if_match.require_current(session, survey, lambda: _represent(session, survey))
    await service.delete_survey(session, survey)


@router.post(
    "/{survey_id}/versions",
    dependencies=[requires("surveys:write")],
    response_model=SurveyVersionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Publish a new survey version",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def publish_survey_version(
    request: Request,
    response: Response,
    session: SessionDep,
    survey: SurveyDep,
    body: SurveyVersionCreate,
) -> SurveyVersion:
    """Publishes the questions as the next version number and makes it the latest. Earlier
    versions never change, so answers already received keep their meaning. Two concurrent
    publishes get consecutive numbers (409 only if the database cannot order them)."""
    version = await service.publish_version(session, survey, body.questions)
    response.headers["Location"] = str(
        request.url_for("get_survey_version", survey_id=survey.id, version=version.version)
    )
    return version


@router.get(
    "/{survey_id}/versions",
    dependencies=[requires("surveys:read")],
    response_model=Page[SurveyVersionPublic],
    summary="List a survey's versions",
    responses=problem_responses(400, 404, 422),
)
async def list_survey_versions(
    request: Request, response: Response, session: SessionDep, survey: SurveyDep, page: PageDep
) -> dict[str, Any]:
    """The survey's published versions, oldest first, with their questions."""
    items, next_key = await service.list_versions(session, survey, page)
    return page_body(request, response, items, next_key)


@router.get(
    "/{survey_id}/versions/{version}",
    dependencies=[requires("surveys:read")],
    response_model=SurveyVersionPublic,
    summary="Get a survey version",
    responses=problem_responses(404, 422),
)
async def get_survey_version(
    session: SessionDep, survey: SurveyDep, version: VersionPath
) -> SurveyVersion:
    """One published version; it is the same whenever it is fetched."""
    return await service.get_version(session, survey, service.parse_version(survey, version))
