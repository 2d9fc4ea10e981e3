import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from sofifi_api.areas.service import ensure_area_exists
from sofifi_api.auth.areas import (
    EVERY_AREA,
    AreaScope,
    refuse_stored_outside,
    refuse_uncovered_fields,
)
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.errors import Conflict, NotFound
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.organizations.models import (
    Organization,
    OrganizationCreate,
    OrganizationKind,
    OrganizationUpdate,
)
from sofifi_api.organizations.representation import ORGANIZATIONS
from sofifi_api.organizations.visibility import ORGANIZATIONS as VISIBLE_ORGANIZATIONS
from sofifi_api.pagination import PageRequest
from sofifi_api.programs.models import Program, ProgramPartner
from sofifi_api.representations.reading import (
    KEY,
    item_statement,
    page_statement,
    read_one,
    read_page,
)
from sofifi_api.schemas import parse_id


class OrganizationNotFound(NotFound):
    def __init__(self, organization_id: uuid.UUID | str) -> None:
        super().__init__(f"No organization with id {organization_id}.")


async def get_organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    organization = await session.get(Organization, organization_id)
    if organization is None or organization.deleted_at is not None:
        raise OrganizationNotFound(organization_id)
    return organization


async def live_organization_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids name an organization that exists and is not deleted (one query)."""
    if not ids:
        return set()
    rows = await session.exec(
        select(Organization.id).where(
            col(Organization.id).in_(set(ids)), col(Organization.deleted_at).is_(None)
        )
    )
    return set(rows.all())


@dataclass(frozen=True)
class OrganizationFilters:
    kind: OrganizationKind | None = None
    area_code: str | None = None
    name_contains: str | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def organizations_query(filters: OrganizationFilters) -> SelectOfScalar[Organization]:
    """The organizations a list or an export shows, in no order yet; every client sees all."""
    statement = select(Organization)
    if filters.kind is not None:
        statement = statement.where(Organization.kind == filters.kind)
    if filters.area_code is not None:
        statement = statement.where(Organization.area_code == filters.area_code)
    if filters.name_contains:
        statement = statement.where(
            col(Organization.name).icontains(filters.name_contains, autoescape=True)
        )
    return sync_window(
        statement,
        Organization,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


@lru_cache(maxsize=256)
def _page_of_organizations(
    filters: OrganizationFilters, dialect: str, continued: bool
) -> Select[Any]:
    return page_statement(ORGANIZATIONS, organizations_query(filters), dialect, continued=continued)


@lru_cache(maxsize=8)
def _one_organization(dialect: str) -> Select[Any]:
    matching = VISIBLE_ORGANIZATIONS.readable(EVERY_AREA).where(
        Organization.id == KEY, col(Organization.deleted_at).is_(None)
    )
    return item_statement(ORGANIZATIONS, matching, dialect)


async def list_organizations(
    connection: AsyncConnection, page: PageRequest, filters: OrganizationFilters
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of organizations as `OrganizationPublic` items, and the key to continue after."""
    statement = _page_of_organizations(filters, connection.dialect.name, page.after is not None)
    return await read_page(connection, ORGANIZATIONS, statement, page)


async def read_organization(connection: AsyncConnection, organization_id: str) -> dict[str, Any]:
    """The live organization as `OrganizationPublic`."""
    parsed = parse_id(organization_id)
    if parsed is not None:
        statement = _one_organization(connection.dialect.name)
        item = await read_one(connection, ORGANIZATIONS, statement, parsed)
        if item is not None:
            return item
    raise OrganizationNotFound(organization_id)


async def create_organization(
    session: AsyncSession, data: OrganizationCreate, *, areas: AreaScope
) -> Organization:
    """A client restricted to areas must base the organization in one of them."""
    refuse_uncovered_fields(areas, [("area_code", data.area_code)])
    if data.area_code is not None:
        await ensure_area_exists(session, data.area_code, field="area_code")
    organization = Organization.model_validate(data)
    session.add(organization)
    await session.flush()
    return organization


async def update_organization(
    session: AsyncSession, organization: Organization, data: OrganizationUpdate, *, areas: AreaScope
) -> Organization:
    """A client restricted to areas may change only an organization based in one of them, and
    may not move it elsewhere."""
    refuse_stored_outside(areas, [organization.area_code], what="organization")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "area_code" in changes:
        refuse_uncovered_fields(areas, [("area_code", changes["area_code"])])
    if changes.get("area_code") is not None:
        await ensure_area_exists(session, changes["area_code"], field="area_code")
    organization.sqlmodel_update(changes)
    organization.updated_at = utcnow()
    session.add(organization)
    await session.flush()
    return organization


async def delete_organization(
    session: AsyncSession, organization: Organization, *, areas: AreaScope
) -> None:
    """Tombstone the organization, unless live programs still name it."""
    refuse_stored_outside(areas, [organization.area_code], what="organization")
    in_use = await session.exec(
        select(Program.id)
        .outerjoin(ProgramPartner, col(ProgramPartner.program_id) == col(Program.id))
        .where(
            col(Program.deleted_at).is_(None),
            (col(Program.lead_organization_id) == organization.id)
            | (col(ProgramPartner.organization_id) == organization.id),
        )
        .limit(1)
    )
    if in_use.first() is not None:
        raise Conflict(
            "The organization leads or partners in a program; remove it from its programs first."
        )
    implements = await session.exec(
        select(InfrastructureProject.id)
        .where(
            col(InfrastructureProject.deleted_at).is_(None),
            col(InfrastructureProject.implementing_organization_id) == organization.id,
        )
        .limit(1)
    )
    if implements.first() is not None:
        raise Conflict(
            "The organization implements an infrastructure project; reassign the project first."
        )
    now = utcnow()
    tombstone(organization, now)
    session.add(organization)
    await session.flush()
