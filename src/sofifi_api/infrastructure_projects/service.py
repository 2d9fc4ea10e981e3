import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.areas.service import ensure_areas_exist
from sofifi_api.auth.areas import AreaScope, refuse_stored_outside, refuse_uncovered_fields
from sofifi_api.consultations.models import Consultation
from sofifi_api.contributions.models import Contribution, ContributionKind
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.errors import FieldError, NotFound, ValidationFailed
from sofifi_api.infrastructure_projects.models import (
    FundingSource,
    InfrastructureProject,
    InfrastructureProjectCreate,
    InfrastructureProjectPublic,
    InfrastructureProjectUpdate,
    ProjectArea,
    ProjectStatus,
    ProjectType,
)
from sofifi_api.infrastructure_projects.visibility import PROJECTS
from sofifi_api.organizations.service import live_organization_ids
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.schemas import check_date_order

# Request fields that are not plain columns of the project table.
_SHAPED_FIELDS = {"area_codes", "funding_sources"}


class ProjectNotFound(NotFound):
    def __init__(self, project_id: uuid.UUID | str) -> None:
        super().__init__(f"No infrastructure project with id {project_id}.")


async def get_project(
    session: AsyncSession, project_id: uuid.UUID, *, areas: AreaScope
) -> InfrastructureProject:
    """The live project, if it serves an area in scope (else it is reported missing)."""
    project = (
        await session.exec(PROJECTS.readable(areas).where(InfrastructureProject.id == project_id))
    ).first()
    if project is None or project.deleted_at is not None:
        raise ProjectNotFound(project_id)
    return project


async def live_project_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids name a project that exists and is not deleted (one query)."""
    if not ids:
        return set()
    rows = await session.exec(
        select(InfrastructureProject.id).where(
            col(InfrastructureProject.id).in_(set(ids)),
            col(InfrastructureProject.deleted_at).is_(None),
        )
    )
    return set(rows.all())


def mark_project_changed(session: AsyncSession, project: InfrastructureProject) -> None:
    """A consultation or contribution changes the project's derived totals, so syncing
    systems that follow `updated_since` must see the project as changed too."""
    project.updated_at = utcnow()
    session.add(project)


def _labor_days() -> ColumnElement[Any]:
    """A contribution's person-days if it is labour, else null: what the project totals count."""
    return sa.case(
        (col(Contribution.kind) == ContributionKind.labor.value, col(Contribution.person_days)),
        else_=None,
    )


def women_share(participants: int | None, women: int | None) -> float | None:
    """Women among all consultation participants, three decimals; None while none are
    recorded."""
    return round(int(women or 0) / int(participants), 3) if participants else None


def participation_totals_of(project_id: Any) -> tuple[ColumnElement[Any], ...]:
    """SQL: the consultations held on the project whose id is in `project_id`, their
    participants and women, its labour person-days and the value contributed: the sums
    `describe_projects` makes, for a query over many projects at once."""

    def live(model: Any, total: ColumnElement[Any]) -> ColumnElement[Any]:
        return (
            select(total)
            .select_from(model)
            .where(col(model.project_id) == project_id, col(model.deleted_at).is_(None))
            .scalar_subquery()
        )

    return (
        live(Consultation, func.count()),
        live(Consultation, func.sum(Consultation.participants_count)),
        live(Consultation, func.sum(Consultation.women_count)),
        live(Contribution, func.sum(_labor_days())),
        live(Contribution, func.sum(Contribution.value_idr)),
    )


def area_codes_of(project_id: Any) -> ColumnElement[str | None]:
    """SQL: the codes of the areas the project whose id is in `project_id` serves, in the
    order `describe_projects` lists them, joined by commas; null for none."""
    codes = (
        select(ProjectArea.area_code)
        .where(col(ProjectArea.project_id) == project_id)
        .order_by(col(ProjectArea.area_code))
        .correlate(InfrastructureProject)
        .subquery()
    )
    return sa.select(sa.func.aggregate_strings(codes.c.area_code, ",")).scalar_subquery()


async def describe_projects(
    session: AsyncSession, projects: Sequence[InfrastructureProject]
) -> list[InfrastructureProjectPublic]:
    """Public representations with areas and derived totals: three queries for any number."""
    ids = [project.id for project in projects]
    if not ids:
        return []
    area_codes: dict[uuid.UUID, list[str]] = defaultdict(list)
    area_rows = await session.exec(
        select(ProjectArea.project_id, ProjectArea.area_code)
        .where(col(ProjectArea.project_id).in_(ids))
        .order_by(col(ProjectArea.area_code))
    )
    for project_id, code in area_rows.all():
        area_codes[project_id].append(code)

    consultation_rows = await session.exec(
        select(
            Consultation.project_id,
            func.count(),
            func.sum(Consultation.participants_count),
            func.sum(Consultation.women_count),
        )
        .where(col(Consultation.project_id).in_(ids), col(Consultation.deleted_at).is_(None))
        .group_by(col(Consultation.project_id))
    )
    consultations = {row[0]: row[1:] for row in consultation_rows.all()}

    contribution_rows = await session.exec(
        select(Contribution.project_id, func.sum(_labor_days()), func.sum(Contribution.value_idr))
        .where(col(Contribution.project_id).in_(ids), col(Contribution.deleted_at).is_(None))
        .group_by(col(Contribution.project_id))
    )
    contributions = {row[0]: row[1:] for row in contribution_rows.all()}

    described = []
    for project in projects:
        count, participants, women = consultations.get(project.id, (0, None, None))
        person_days, value = contributions.get(project.id, (None, None))
        described.append(
            InfrastructureProjectPublic.model_validate(
                project,
                update={
                    "area_codes": area_codes[project.id],
                    "consultations_count": count,
                    "women_share_in_consultations": women_share(participants, women),
                    "community_person_days": float(person_days or 0),
                    "community_contribution_value_idr": int(value or 0),
                },
            )
        )
    return described


async def describe_project(
    session: AsyncSession, project: InfrastructureProject
) -> InfrastructureProjectPublic:
    return (await describe_projects(session, [project]))[0]


@dataclass(frozen=True)
class ProjectFilters:
    status: ProjectStatus | None = None
    project_type: ProjectType | None = None
    area_code: str | None = None
    implementing_organization_id: uuid.UUID | None = None
    title_contains: str | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def projects_query(
    filters: ProjectFilters, *, areas: AreaScope
) -> SelectOfScalar[InfrastructureProject]:
    """The projects a list or an export shows: filtered and within `areas`, in no order yet."""
    statement = PROJECTS.readable(areas)
    if filters.status is not None:
        statement = statement.where(InfrastructureProject.status == filters.status)
    if filters.project_type is not None:
        statement = statement.where(InfrastructureProject.project_type == filters.project_type)
    if filters.area_code is not None:
        served = select(ProjectArea.project_id).where(ProjectArea.area_code == filters.area_code)
        statement = statement.where(col(InfrastructureProject.id).in_(served))
    if filters.implementing_organization_id is not None:
        statement = statement.where(
            InfrastructureProject.implementing_organization_id
            == filters.implementing_organization_id
        )
    if filters.title_contains:
        statement = statement.where(
            col(InfrastructureProject.title).icontains(filters.title_contains, autoescape=True)
        )
    return sync_window(
        statement,
        InfrastructureProject,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


async def list_projects(
    session: AsyncSession, page: PageRequest, filters: ProjectFilters, *, areas: AreaScope
) -> tuple[list[InfrastructureProjectPublic], str | None]:
    statement = projects_query(filters, areas=areas)
    rows = (await session.exec(keyset(statement, col(InfrastructureProject.id), page))).all()
    projects, next_key = cut_page(rows, page, lambda project: project.id)
    return await describe_projects(session, projects), next_key


async def _ensure_references_exist(
    session: AsyncSession,
    *,
    implementing_organization_id: uuid.UUID | None = None,
    funding_sources: Sequence[FundingSource] = (),
    area_codes: Sequence[str] = (),
) -> None:
    """Refuse (422 naming each field) organizations or areas that do not exist."""
    named: list[tuple[str, uuid.UUID]] = []
    if implementing_organization_id is not None:
        named.append(("implementing_organization_id", implementing_organization_id))
    for index, source in enumerate(funding_sources):
        if source.organization_id is not None:
            named.append((f"funding_sources.{index}.organization_id", source.organization_id))
    live = await live_organization_ids(session, [organization_id for _, organization_id in named])
    errors = [
        FieldError(
            location="body",
            field=field,
            message="No organization with this id.",
            code="unknown_reference",
        )
        for field, organization_id in named
        if organization_id not in live
    ]
    if errors:
        fields = ", ".join(error.field for error in errors)
        raise ValidationFailed(f"Unknown organization in {fields}.", errors=errors)
    await ensure_areas_exist(session, area_codes, field="area_codes")


async def _replace_areas(
    session: AsyncSession, project_id: uuid.UUID, area_codes: Sequence[str]
) -> None:
    await session.exec(sa.delete(ProjectArea).where(col(ProjectArea.project_id) == project_id))
    session.add_all(
        ProjectArea(project_id=project_id, area_code=code) for code in dict.fromkeys(area_codes)
    )


def _refuse_areas_out_of_scope(areas: AreaScope, area_codes: Sequence[str]) -> None:
    """A restricted client must name at least one area served, and only areas it covers."""
    fields: list[tuple[str, str | None]] = [
        (f"area_codes.{index}", code) for index, code in enumerate(area_codes)
    ]
    refuse_uncovered_fields(areas, fields or [("area_codes", None)])


async def _refuse_stored_areas_out_of_scope(
    session: AsyncSession, areas: AreaScope, project: InfrastructureProject
) -> None:
    """Only a client covering every area a project serves may change or delete it."""
    if areas.unrestricted:
        return
    codes = await session.exec(
        select(ProjectArea.area_code).where(ProjectArea.project_id == project.id)
    )
    refuse_stored_outside(areas, codes.all(), what="infrastructure project")


async def create_project(
    session: AsyncSession, data: InfrastructureProjectCreate, *, areas: AreaScope
) -> InfrastructureProject:
    _refuse_areas_out_of_scope(areas, data.area_codes)
    check_date_order(data.start_date, data.end_date, "start_date", "end_date")
    check_date_order(data.start_date, data.completed_on, "start_date", "completed_on")
    await _ensure_references_exist(
        session,
        implementing_organization_id=data.implementing_organization_id,
        funding_sources=data.funding_sources,
        area_codes=data.area_codes,
    )
    project = InfrastructureProject(
        **data.model_dump(exclude=_SHAPED_FIELDS),
        funding_sources=[source.model_dump(mode="json") for source in data.funding_sources],
    )
    session.add(project)
    await session.flush()
    session.add_all(
        ProjectArea(project_id=project.id, area_code=code)
        for code in dict.fromkeys(data.area_codes)
    )
    await session.flush()
    return project


async def update_project(
    session: AsyncSession,
    project: InfrastructureProject,
    data: InfrastructureProjectUpdate,
    *,
    areas: AreaScope,
) -> InfrastructureProject:
    await _refuse_stored_areas_out_of_scope(session, areas, project)
    sent: dict[str, Any] = data.model_dump(exclude_unset=True)
    if data.area_codes is not None:
        _refuse_areas_out_of_scope(areas, data.area_codes)
    changes = {name: value for name, value in sent.items() if name not in _SHAPED_FIELDS}
    if data.funding_sources is not None:
        changes["funding_sources"] = [
            source.model_dump(mode="json") for source in data.funding_sources
        ]

    def merged(name: str) -> Any:
        return changes[name] if name in changes else getattr(project, name)

    check_date_order(merged("start_date"), merged("end_date"), "start_date", "end_date")
    check_date_order(merged("start_date"), merged("completed_on"), "start_date", "completed_on")
    await _ensure_references_exist(
        session,
        implementing_organization_id=changes.get("implementing_organization_id"),
        funding_sources=data.funding_sources or (),
        area_codes=data.area_codes or (),
    )
    project.sqlmodel_update(changes)
    project.updated_at = utcnow()
    session.add(project)
    if data.area_codes is not None:
        await _replace_areas(session, project.id, data.area_codes)
    await session.flush()
    return project


async def delete_project(
    session: AsyncSession, project: InfrastructureProject, *, areas: AreaScope
) -> None:
    """Tombstone the project with its consultations and contributions."""
    await _refuse_stored_areas_out_of_scope(session, areas, project)
    now = utcnow()
    for child in (Consultation, Contribution):
        await session.exec(
            sa.update(child)
            .where(col(child.project_id) == project.id, col(child.deleted_at).is_(None))
            .values(deleted_at=now, updated_at=now)
        )
    tombstone(project, now)
    session.add(project)
    await session.flush()
