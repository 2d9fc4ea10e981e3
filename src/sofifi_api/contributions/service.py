import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
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
from sofifi_api.infrastructure_projects.service import ProjectNotFound, mark_project_changed
from sofifi_api.infrastructure_projects.visibility import PROJECTS
from sofifi_api.pagination import PageRequest
from sofifi_api.representations import collections
from sofifi_api.representations.nested import NestedCollection


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


_OF_PROJECT = NestedCollection(
    collection=collections.CONTRIBUTIONS,
    visibility=CONTRIBUTIONS,
    parent=PROJECTS,
    parent_column=col(Contribution.project_id),
    query=contributions_query,
    parent_filter="project_id",
    parent_missing=ProjectNotFound,
    item_missing=ContributionNotFound,
)


async def list_contributions(
    connection: AsyncConnection,
    project_id: str,
    page: PageRequest,
    filters: ContributionFilters,
    *,
    areas: AreaScope,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the live project's contributions as `ContributionPublic` items, and the key
    to continue after."""
    return await _OF_PROJECT.page(connection, project_id, page, filters, areas=areas)


async def read_contribution(
    connection: AsyncConnection, project_id: str, contribution_id: str, *, areas: AreaScope
) -> dict[str, Any]:
    """The live contribution of the live project as `ContributionPublic`, if the client sees
    the project (else the project is reported missing)."""
    return await _OF_PROJECT.item(connection, project_id, contribution_id, areas=areas)


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
