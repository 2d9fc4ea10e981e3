import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from sofifi_api.areas.models import Area, AreaCreate, AreaLevel, AreaUpdate
from sofifi_api.areas.representation import AREAS
from sofifi_api.areas.visibility import AREAS as VISIBLE_AREAS
from sofifi_api.auth.areas import (
    EVERY_AREA,
    AreaScope,
    refuse_stored_outside,
    refuse_uncovered_fields,
)
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.errors import Conflict, FieldError, NotFound, ValidationFailed
from sofifi_api.feedback.models import Feedback
from sofifi_api.infrastructure_projects.models import InfrastructureProject, ProjectArea
from sofifi_api.organizations.models import Organization
from sofifi_api.pagination import PageRequest
from sofifi_api.participants.models import Participant
from sofifi_api.programs.models import Program, ProgramArea
from sofifi_api.representations.reading import (
    KEY,
    item_statement,
    page_statement,
    read_one,
    read_page,
)

REFERENCE_AREAS_CSV = Path(__file__).resolve().parent / "data" / "areas-sofifi.csv"

PARENT_LEVEL = {
    AreaLevel.regency: AreaLevel.province,
    AreaLevel.district: AreaLevel.regency,
    AreaLevel.village: AreaLevel.district,
}
# Kemendagri codes; [0-9] rather than \d, which would also accept non-ASCII digits.
OFFICIAL_CODE = {
    AreaLevel.province: re.compile(r"[0-9]{2}"),
    AreaLevel.regency: re.compile(r"[0-9]{2}\.[0-9]{2}"),
    AreaLevel.district: re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}"),
    AreaLevel.village: re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}"),
}
OFFICIAL_FORMAT = {
    AreaLevel.province: "NN",
    AreaLevel.regency: "NN.NN",
    AreaLevel.district: "NN.NN.NN",
    AreaLevel.village: "NN.NN.NN.NNNN",
}
LOCAL_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class AreaNotFound(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"No area with code {code}.")


class AreaCodeTaken(Conflict):
    def __init__(self, deleted: bool) -> None:
        if deleted:
            super().__init__(
                "An area with this code existed and was deleted; a deleted code is not reused."
            )
        else:
            super().__init__("An area with this code already exists.")


class AreaInUse(Conflict):
    pass


async def ensure_areas_exist(session: AsyncSession, codes: Sequence[str], *, field: str) -> None:
    """Refuse (422) any code that is not a live area, naming each as `<field>.<index>`; one
    query for all."""
    await _refuse_unknown_areas(session, [(f"{field}.{i}", code) for i, code in enumerate(codes)])


async def ensure_area_exists(session: AsyncSession, code: str, *, field: str) -> None:
    await _refuse_unknown_areas(session, [(field, code)])


async def _refuse_unknown_areas(session: AsyncSession, fields: Sequence[tuple[str, str]]) -> None:
    # The message names the field, never the code: a value pasted into the wrong field may be
    # personal data, and an error must not repeat it.
    wanted = {code for _, code in fields}
    if not wanted:
        return
    rows = await session.exec(
        select(Area.code).where(col(Area.code).in_(wanted), col(Area.deleted_at).is_(None))
    )
    live = set(rows.all())
    errors = [
        FieldError(
            location="body",
            field=field,
            message="No live area has this code.",
            code="unknown_reference",
        )
        for field, code in fields
        if code not in live
    ]
    if errors:
        named = ", ".join(error.field for error in errors)
        raise ValidationFailed(f"Unknown area code in {named}.", errors=errors)


async def get_area(session: AsyncSession, code: str) -> Area:
    area = await session.get(Area, code)
    if area is None or area.deleted_at is not None:
        raise AreaNotFound(code)
    return area


@dataclass(frozen=True)
class AreaFilters:
    level: AreaLevel | None = None
    parent_code: str | None = None
    is_official: bool | None = None
    name_contains: str | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def areas_query(filters: AreaFilters) -> SelectOfScalar[Area]:
    """The areas a list or an export shows, in no order yet; every client sees all."""
    statement = select(Area)
    if filters.level is not None:
        statement = statement.where(Area.level == filters.level)
    if filters.parent_code is not None:
        statement = statement.where(Area.parent_code == filters.parent_code)
    if filters.is_official is not None:
        statement = statement.where(Area.is_official == filters.is_official)
    if filters.name_contains:
        statement = statement.where(
            col(Area.name).icontains(filters.name_contains, autoescape=True)
        )
    return sync_window(
        statement,
        Area,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


@lru_cache(maxsize=256)
def _page_of_areas(filters: AreaFilters, dialect: str, continued: bool) -> Select[Any]:
    return page_statement(AREAS, areas_query(filters), dialect, continued=continued)


@lru_cache(maxsize=8)
def _one_area(dialect: str) -> Select[Any]:
    matching = VISIBLE_AREAS.readable(EVERY_AREA).where(
        Area.code == KEY, col(Area.deleted_at).is_(None)
    )
    return item_statement(AREAS, matching, dialect)


async def list_areas(
    connection: AsyncConnection, page: PageRequest, filters: AreaFilters
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of areas as `AreaPublic` items, and the code to continue after."""
    statement = _page_of_areas(filters, connection.dialect.name, page.after is not None)
    return await read_page(connection, AREAS, statement, page)


async def read_area(connection: AsyncConnection, code: str) -> dict[str, Any]:
    """The live area as `AreaPublic`."""
    item = await read_one(connection, AREAS, _one_area(connection.dialect.name), code)
    if item is None:
        raise AreaNotFound(code)
    return item


def _check_hierarchy(
    code: str, level: AreaLevel, is_official: bool, parent_code: str | None, parent: Area | None
) -> None:
    """Refuse a parent of the wrong level, or a code that does not fit its level and parent."""
    if level == AreaLevel.province:
        if parent_code is not None:
            raise ValidationFailed.for_field(
                "parent_code", "A province has no parent area; parent_code must be null."
            )
    else:
        expected = PARENT_LEVEL[level]
        if parent_code is None:
            raise ValidationFailed.for_field(
                "parent_code", f"A {level} needs parent_code, the code of its {expected}."
            )
        if parent is None or parent.deleted_at is not None:
            raise ValidationFailed.for_field(
                "parent_code", "parent_code names no area.", code="unknown_reference"
            )
        if parent.level != expected:
            raise ValidationFailed.for_field(
                "parent_code",
                f"The parent of a {level} must be a {expected}, not a {parent.level}.",
                code="parent_level",
            )
    if is_official:
        if OFFICIAL_CODE[level].fullmatch(code) is None:
            raise ValidationFailed.for_field(
                "code",
                f"An official {level} code has the form {OFFICIAL_FORMAT[level]} (digits).",
                code="code_format",
            )
        if parent_code is not None and not code.startswith(parent_code + "."):
            raise ValidationFailed.for_field(
                "code", "An official code must start with its parent's code.", code="code_prefix"
            )
    else:
        if parent_code is None:
            raise ValidationFailed.for_field(
                "code", "A province must have its official code.", code="code_format"
            )
        slug = code.removeprefix(parent_code + "-")
        if slug == code or LOCAL_SLUG.fullmatch(slug) is None:
            raise ValidationFailed.for_field(
                "code",
                "A code that is not official is the parent's code, a hyphen and a lowercase "
                "slug (letters a-z, digits, single hyphens), such as 82.72.02-guraping.",
                code="code_format",
            )


def _check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if latitude is None and longitude is not None:
        raise ValidationFailed.for_field(
            "latitude", "latitude and longitude go together.", code="coordinates"
        )
    if longitude is None and latitude is not None:
        raise ValidationFailed.for_field(
            "longitude", "latitude and longitude go together.", code="coordinates"
        )


async def create_area(session: AsyncSession, data: AreaCreate, *, areas: AreaScope) -> Area:
    """A client restricted to areas may add areas only within them."""
    refuse_uncovered_fields(areas, [("code", data.code)])
    _check_coordinates(data.latitude, data.longitude)
    wanted = {data.code} | ({data.parent_code} if data.parent_code else set())
    # One query finds both a duplicate and the parent.
    found = {
        area.code: area
        for area in (await session.exec(select(Area).where(col(Area.code).in_(wanted)))).all()
    }
    parent = found.get(data.parent_code) if data.parent_code else None
    _check_hierarchy(data.code, data.level, data.is_official, data.parent_code, parent)
    existing = found.get(data.code)
    if existing is not None:
        raise AreaCodeTaken(deleted=existing.deleted_at is not None)
    area = Area.model_validate(data)
    session.add(area)
    await session.flush()
    return area


def _live_children(code: str) -> SelectOfScalar[str]:
    return select(Area.code).where(col(Area.parent_code) == code, col(Area.deleted_at).is_(None))


async def _has_live_children(session: AsyncSession, code: str) -> bool:
    return (await session.exec(_live_children(code).limit(1))).first() is not None


async def update_area(
    session: AsyncSession, area: Area, data: AreaUpdate, *, areas: AreaScope
) -> Area:
    """A client restricted to areas may change only areas within them."""
    refuse_stored_outside(areas, [area.code], what="area")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    checked = ("level", "parent_code", "is_official", "latitude", "longitude")
    merged: dict[str, Any] = {field: getattr(area, field) for field in checked} | changes
    _check_coordinates(merged["latitude"], merged["longitude"])
    structural = ("level", "parent_code", "is_official")
    if any(merged[field] != getattr(area, field) for field in structural):
        parent_code = merged["parent_code"]
        parent = await session.get(Area, parent_code) if parent_code is not None else None
        level = AreaLevel(merged["level"])
        _check_hierarchy(area.code, level, merged["is_official"], parent_code, parent)
        if level != area.level and await _has_live_children(session, area.code):
            raise AreaInUse("The area has child areas, so its level cannot change.")
    area.sqlmodel_update(changes)
    area.updated_at = utcnow()
    session.add(area)
    await session.flush()
    return area


async def delete_area(session: AsyncSession, area: Area, *, areas: AreaScope) -> None:
    """Tombstone the area, unless live child areas or live resources still name it; a client
    restricted to areas may delete only areas within them."""
    refuse_stored_outside(areas, [area.code], what="area")
    code = area.code
    references: dict[str, sa.SelectBase] = {
        "child areas": _live_children(code),
        "organizations": select(Organization.id).where(
            col(Organization.area_code) == code, col(Organization.deleted_at).is_(None)
        ),
        "participants": select(Participant.id).where(
            col(Participant.area_code) == code, col(Participant.deleted_at).is_(None)
        ),
        "programs": select(ProgramArea.program_id)
        .join(Program, col(Program.id) == col(ProgramArea.program_id))
        .where(col(ProgramArea.area_code) == code, col(Program.deleted_at).is_(None)),
        "infrastructure projects": select(ProjectArea.project_id)
        .join(InfrastructureProject, col(InfrastructureProject.id) == col(ProjectArea.project_id))
        .where(col(ProjectArea.area_code) == code, col(InfrastructureProject.deleted_at).is_(None)),
        "feedback": select(Feedback.id).where(
            col(Feedback.area_code) == code, col(Feedback.deleted_at).is_(None)
        ),
    }
    # All checks in one round trip: each EXISTS stops at the first matching row.
    statement = sa.select(
        *(sa.exists(query).label(f"r{i}") for i, query in enumerate(references.values()))
    )
    connection = await session.connection()
    flags = (await connection.execute(statement)).one()
    in_use = [name for name, flag in zip(references, flags, strict=True) if flag]
    if in_use:
        raise AreaInUse(
            f"The area is still named by live {', '.join(in_use)}; delete or move them first."
        )
    now = utcnow()
    tombstone(area, now)
    session.add(area)
    await session.flush()


async def import_reference_areas(session: AsyncSession) -> int:
    """Insert the packaged official areas around Sofifi that are missing; returns how many.

    A code already present, even deleted, is left alone, so running it again changes nothing.
    """
    with REFERENCE_AREAS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    present = set(
        (
            await session.exec(
                select(Area.code).where(col(Area.code).in_([row["code"] for row in rows]))
            )
        ).all()
    )
    inserted = 0
    # Rows list parents first; the session inserts in the order they are added.
    for row in rows:
        if row["code"] in present:
            continue
        session.add(
            Area(
                code=row["code"],
                name=row["name"],
                level=AreaLevel(row["level"]),
                parent_code=row["parent_code"] or None,
                is_official=True,
                latitude=float(row["latitude"]) if row["latitude"] else None,
                longitude=float(row["longitude"]) if row["longitude"] else None,
            )
        )
        inserted += 1
    await session.flush()
    return inserted
