from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response, status

from sofifi_api.auth.areas import EVERY_AREA
from sofifi_api.auth.dependencies import requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.consultations import service
from sofifi_api.consultations.dependencies import ConsultationDep, ConsultationFiltersDep
from sofifi_api.consultations.models import (
    Consultation,
    ConsultationCreate,
    ConsultationPublic,
    ConsultationUpdate,
)
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.infrastructure_projects.dependencies import ProjectDep
from sofifi_api.pagination import Page, PageDep, page_body

router = APIRouter(
    prefix="/infrastructure-projects/{project_id}/consultations", tags=["consultations"]
)


@router.get(
    "",
    dependencies=[requires("projects:read")],
    response_model=Page[ConsultationPublic],
    summary="List a project's consultations",
    responses=problem_responses(400, 404, 422),
)
async def list_consultations(
    request: Request,
    response: Response,
    session: SessionDep,
    project: ProjectDep,
    page: PageDep,
    filters: ConsultationFiltersDep,
) -> dict[str, Any]:
    """The project's consultations in creation order."""
    items, next_key = await service.list_consultations(
        session, page, replace(filters, project_id=project.id), areas=EVERY_AREA
    )
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires("projects:write")],
    response_model=ConsultationPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Record a consultation",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def create_consultation(
    request: Request,
    response: Response,
    session: SessionDep,
    project: ProjectDep,
    body: ConsultationCreate,
) -> Consultation:
    """`women_count` may not exceed `participants_count`."""
    consultation = await service.create_consultation(session, project, body)
    response.headers["Location"] = str(
        request.url_for("get_consultation", project_id=project.id, consultation_id=consultation.id)
    )
    return consultation


@router.get(
    "/{consultation_id}",
    dependencies=[requires("projects:read")],
    response_model=ConsultationPublic,
    summary="Get a consultation",
    responses=problem_responses(404, 422),
)
async def get_consultation(consultation: ConsultationDep) -> Consultation:
    """The consultation (musyawarah) with its attendance, summary and decisions; one held on
    another project answers 404."""
    return consultation


@router.patch(
    "/{consultation_id}",
    dependencies=[requires("projects:write")],
    response_model=ConsultationPublic,
    summary="Update a consultation",
    responses=problem_responses(400, 404, 413, 415, 422),
)
async def update_consultation(
    session: SessionDep,
    project: ProjectDep,
    consultation: ConsultationDep,
    body: ConsultationUpdate,
    if_match: IfMatchDep,
) -> Consultation:
    """Changes only the fields sent; `women_count` is checked against the resulting
    `participants_count`."""
    await if_match.require_current(session, consultation, ConsultationPublic)
    return await service.update_consultation(session, project, consultation, body)


@router.delete(
    "/{consultation_id}",
    dependencies=[requires("projects:write")],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a consultation",
    responses=problem_responses(404, 422),
)
async def delete_consultation(
    session: SessionDep, project: ProjectDep, consultation: ConsultationDep, if_match: IfMatchDep
) -> None:
    """Leaves a tombstone that `include_deleted` lists."""
    await if_match.require_current(session, consultation, ConsultationPublic)
    await service.delete_consultation(session, project, consultation)
