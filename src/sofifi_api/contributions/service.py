import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

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
from sofifi_api.representations.reading import (
    KEY,
    is_live,
    item_statement,
    page_statement,
    read_one,
    read_page,
)
from sofifi_api.schemas import parse_id


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


# The parameter a project's contributions are compared with, so that one statement serves
# every project.
_PROJECT: sa.BindParameter[Any] = sa.bindparam("project")


async def _require_project(
    connection: AsyncConnection, project_id: str, areas: AreaScope
) -> uuid.UUID:
    """The id of the live project named in the path, if the client sees it (else it is
    reported missing, with its contributions)."""
    parsed = parse_id(project_id)
    if parsed is not None and await is_live(connection, PROJECTS, parsed, areas):
        return parsed
    raise ProjectNotFound(project_id)


@lru_cache(maxsize=256)
def _page_of_contributions(
    filters: ContributionFilters, areas: AreaScope, dialect: str, continued: bool
) -> Select[Any]:
    matching = contributions_query(filters, areas=areas).where(Contribution.project_id == _PROJECT)
    return page_statement(collections.CONTRIBUTIONS, matching, dialect, continued=continued)


@lru_cache(maxsize=256)
def _one_contribution(areas: AreaScope, dialect: str) -> Select[Any]:
    matching = CONTRIBUTIONS.readable(areas).where(
        Contribution.id == KEY,
        Contribution.project_id == _PROJECT,
        col(Contribution.deleted_at).is_(None),
    )
    return item_statement(collections.CONTRIBUTIONS, matching, dialect)


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
    project = await _require_project(connection, project_id, areas)
    # The project is a parameter of the statement, so that all projects share it.
    statement = _page_of_contributions(
        replace(filters, project_id=None), areas, connection.dialect.name, page.after is not None
    )
    return await read_page(
        connection, collections.CONTRIBUTIONS, statement, page, {"project": project}
    )


async def read_contribution(
    connection: AsyncConnection, project_id: str, contribution_id: str, *, areas: AreaScope
) -> dict[str, Any]:
    """The live contribution of the live project as `ContributionPublic`, if the client sees
    the project (else the project is reported missing)."""
    project = await _require_project(connection, project_id, areas)
    parsed = parse_id(contribution_id)
    if parsed is not None:
        statement = _one_contribution(areas, connection.dialect.name)
        item = await read_one(
            connection, collections.CONTRIBUTIONS, statement, parsed, {"project": project}
        )
        if item is not None:
            return item
    raise ContributionNotFound(contribution_id)


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
