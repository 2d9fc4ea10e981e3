import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.auth.areas import AreaScope
from sofifi_api.consultations.models import Consultation, ConsultationCreate, ConsultationUpdate
from sofifi_api.consultations.visibility import CONSULTATIONS
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.errors import FieldError, NotFound, ValidationFailed
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.infrastructure_projects.service import mark_project_changed
from sofifi_api.pagination import PageRequest, cut_page, keyset


class ConsultationNotFound(NotFound):
    def __init__(self, consultation_id: uuid.UUID | str) -> None:
        super().__init__(f"No consultation with id {consultation_id} on this project.")


def _check_women_count(participants_count: int, women_count: int) -> None:
    if women_count > participants_count:
        raise ValidationFailed.for_field(
            "women_count",
            "women_count cannot exceed participants_count.",
            code="exceeds_participants",
        )


async def get_consultation(
    session: AsyncSession, project: InfrastructureProject, consultation_id: uuid.UUID
) -> Consultation:
    consultation = await session.get(Consultation, consultation_id)
    if (
        consultation is None
        or consultation.project_id != project.id
        or consultation.deleted_at is not None
    ):
        raise ConsultationNotFound(consultation_id)
    return consultation


@dataclass(frozen=True)
class ConsultationFilters:
    # The project's consultations; None: those of every project in scope.
    project_id: uuid.UUID | None = None
    held_from: date | None = None
    held_to: date | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def consultations_query(
    filters: ConsultationFilters, *, areas: AreaScope
) -> SelectOfScalar[Consultation]:
    """The consultations a list or an export shows, in no order yet: for a client restricted
    to areas, those of projects serving one of them."""
    if (
        filters.held_from is not None
        and filters.held_to is not None
        and filters.held_to < filters.held_from
    ):
        message = "held_to must be on or after held_from."
        raise ValidationFailed(
            message,
            errors=[
                FieldError(location="query", field="held_to", message=message, code="date_order")
            ],
        )
    statement = CONSULTATIONS.readable(areas)
    if filters.project_id is not None:
        statement = statement.where(Consultation.project_id == filters.project_id)
    if filters.held_from is not None:
        statement = statement.where(col(Consultation.held_on) >= filters.held_from)
    if filters.held_to is not None:
        statement = statement.where(col(Consultation.held_on) <= filters.held_to)
    return sync_window(
        statement,
        Consultation,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


async def list_consultations(
    session: AsyncSession, page: PageRequest, filters: ConsultationFilters, *, areas: AreaScope
) -> tuple[list[Consultation], str | None]:
    statement = consultations_query(filters, areas=areas)
    rows = (await session.exec(keyset(statement, col(Consultation.id), page))).all()
    return cut_page(rows, page, lambda consultation: consultation.id)


async def create_consultation(
    session: AsyncSession, project: InfrastructureProject, data: ConsultationCreate
) -> Consultation:
    _check_women_count(data.participants_count, data.women_count)
    consultation = Consultation(**data.model_dump(), project_id=project.id)
    session.add(consultation)
    mark_project_changed(session, project)
    await session.flush()
    return consultation


async def update_consultation(
    session: AsyncSession,
    project: InfrastructureProject,
    consultation: Consultation,
    data: ConsultationUpdate,
) -> Consultation:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    _check_women_count(
        changes.get("participants_count", consultation.participants_count),
        changes.get("women_count", consultation.women_count),
    )
    consultation.sqlmodel_update(changes)
    consultation.updated_at = utcnow()
    session.add(consultation)
    mark_project_changed(session, project)
    await session.flush()
    return consultation


async def delete_consultation(
    session: AsyncSession, project: InfrastructureProject, consultation: Consultation
) -> None:
    now = utcnow()
    tombstone(consultation, now)
    session.add(consultation)
    mark_project_changed(session, project)
    await session.flush()
