import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.auth.areas import AreaScope
from sofifi_api.contributions.models import (
    Contribution,
    ContributionCreate,
    ContributionKind,
    ContributionUpdate,
)
from sofifi_api.contributions.visibility import CONTRIBUTIONS
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.errors import NotFound, ValidationFailed
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.infrastructure_projects.service import mark_project_changed
from sofifi_api.pagination import PageRequest, cut_page, keyset


class ContributionNotFound(NotFound):
    def __init__(self, contribution_id: uuid.UUID | str) -> None:
        super().__init__(f"No contribution with id {contribution_id} on this project.")


def _check_kind_fields(
    kind: ContributionKind, person_days: float | None, value: int | None
) -> None:
    """Labour is measured in person-days and cash in rupiah; person-days of anything else
    would inflate the project's community labour total."""
    if kind == ContributionKind.labor and person_days is None:
        raise ValidationFailed.for_field(
            "person_days", "person_days is required for labor.", code="required_for_kind"
        )
    if kind != ContributionKind.labor and person_days is not None:
        raise ValidationFailed.for_field(
            "person_days", "person_days is only allowed for labor.", code="not_allowed_for_kind"
        )
    if kind == ContributionKind.cash and value is None:
        raise ValidationFailed.for_field(
            "value_idr", "value_idr is required for cash.", code="required_for_kind"
        )


async def get_contribution(
    session: AsyncSession, project: InfrastructureProject, contribution_id: uuid.UUID
) -> Contribution:
    contribution = await session.get(Contribution, contribution_id)
    if (
        contribution is None
        or contribution.project_id != project.id
        or contribution.deleted_at is not None
    ):
        raise ContributionNotFound(contribution_id)
    return contribution


@dataclass(frozen=True)
class ContributionFilters:
    # The project's contributions; None: those of every project in scope.
    project_id: uuid.UUID | None = None
    kind: ContributionKind | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def contributions_query(
    filters: ContributionFilters, *, areas: AreaScope
) -> SelectOfScalar[Contribution]:
    """The contributions a list or an export shows, in no order yet: for a client restricted
    to areas, those of projects serving one of them."""
    statement = CONTRIBUTIONS.readable(areas)
    if filters.project_id is not None:
        statement = statement.where(Contribution.project_id == filters.project_id)
    if filters.kind is not None:
        statement = statement.where(Contribution.kind == filters.kind)
    return sync_window(
        statement,
        Contribution,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


async def list_contributions(
    session: AsyncSession, page: PageRequest, filters: ContributionFilters, *, areas: AreaScope
) -> tuple[list[Contribution], str | None]:
    statement = contributions_query(filters, areas=areas)
    rows = (await session.exec(keyset(statement, col(Contribution.id), page))).all()
    return cut_page(rows, page, lambda contribution: contribution.id)


async def create_contribution(
    session: AsyncSession, project: InfrastructureProject, data: ContributionCreate
) -> Contribution:
    _check_kind_fields(data.kind, data.person_days, data.value_idr)
    contribution = Contribution(**data.model_dump(), project_id=project.id)
    session.add(contribution)
    mark_project_changed(session, project)
    await session.flush()
    return contribution


async def update_contribution(
    session: AsyncSession,
    project: InfrastructureProject,
    contribution: Contribution,
    data: ContributionUpdate,
) -> Contribution:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)

    def merged(name: str) -> Any:
        return changes[name] if name in changes else getattr(contribution, name)

    _check_kind_fields(merged("kind"), merged("person_days"), merged("value_idr"))
    contribution.sqlmodel_update(changes)
    contribution.updated_at = utcnow()
    session.add(contribution)
    mark_project_changed(session, project)
    await session.flush()
    return contribution


async def delete_contribution(
    session: AsyncSession, project: InfrastructureProject, contribution: Contribution
) -> None:
    now = utcnow()
    tombstone(contribution, now)
    session.add(contribution)
    mark_project_changed(session, project)
    await session.flush()
