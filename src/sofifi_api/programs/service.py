import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import selectinload
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

from sofifi_api.areas.service import ensure_areas_exist
from sofifi_api.auth.areas import AreaScope, refuse_stored_outside, refuse_uncovered_fields
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.enrollments.models import Enrollment, EnrollmentStatus
from sofifi_api.errors import FieldError, NotFound, ValidationFailed
from sofifi_api.organizations.service import live_organization_ids
from sofifi_api.pagination import PageRequest
from sofifi_api.programs import representation
from sofifi_api.programs.models import (
    PartnerInput,
    PartnerPublic,
    Program,
    ProgramArea,
    ProgramCategory,
    ProgramCreate,
    ProgramPartner,
    ProgramPublic,
    ProgramStatus,
    ProgramUpdate,
)
from sofifi_api.programs.visibility import PROGRAMS
from sofifi_api.representations.reading import (
    KEY,
    item_statement,
    page_statement,
    read_one,
    read_page,
)
from sofifi_api.schemas import check_date_order, parse_id


class ProgramNotFound(NotFound):
    def __init__(self, program_id: uuid.UUID | str) -> None:
        super().__init__(f"No program with id {program_id}.")


def details_loaders() -> tuple[Any, ...]:
    """Loader options: a program's partners and areas, in one query each for all programs."""
    return (selectinload(Program.partners), selectinload(Program.areas))  # type: ignore[arg-type]


async def get_program(
    session: AsyncSession, program_id: uuid.UUID, *, areas: AreaScope, with_details: bool = False
) -> Program:
    """The live program, if it targets an area in scope (else it is reported missing);
    `with_details` also loads its partners and areas."""
    statement = PROGRAMS.readable(areas).where(Program.id == program_id)
    if with_details:
        statement = statement.options(*details_loaders())
    program = (await session.exec(statement)).first()
    if program is None or program.deleted_at is not None:
        raise ProgramNotFound(program_id)
    return program


async def enrollment_counts(
    session: AsyncSession, program_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(enrolled, completed) per program, for all the given programs in one grouped query."""
    if not program_ids:
        return {}
    status = col(Enrollment.status)
    rows = await session.exec(
        select(
            Enrollment.program_id,
            func.count(case((status != EnrollmentStatus.dropped, 1))),
            func.count(case((status == EnrollmentStatus.completed, 1))),
        )
        .where(
            col(Enrollment.program_id).in_(set(program_ids)), col(Enrollment.deleted_at).is_(None)
        )
        .group_by(col(Enrollment.program_id))
    )
    return {program_id: (enrolled, completed) for program_id, enrolled, completed in rows.all()}


def _public(program: Program, counts: tuple[int, int]) -> ProgramPublic:
    partners = sorted(program.partners, key=lambda p: (str(p.organization_id), p.role))
    return ProgramPublic.model_validate(
        program,
        update={
            "partners": [
                PartnerPublic(organization_id=p.organization_id, role=p.role) for p in partners
            ],
            "area_codes": sorted(area.area_code for area in program.areas),
            "enrolled_count": counts[0],
            "completed_count": counts[1],
        },
    )


async def represent(session: AsyncSession, programs: Sequence[Program]) -> list[ProgramPublic]:
    """Public representations, with derived counts; programs must have their details loaded."""
    counts = await enrollment_counts(session, [program.id for program in programs])
    return [_public(program, counts.get(program.id, (0, 0))) for program in programs]


@dataclass(frozen=True)
class ProgramFilters:
    status: ProgramStatus | None = None
    category: ProgramCategory | None = None
    lead_organization_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    area_code: str | None = None
    starts_on_or_after: date | None = None
    ends_on_or_before: date | None = None
    active_on: date | None = None
    title_contains: str | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def programs_query(filters: ProgramFilters, *, areas: AreaScope) -> SelectOfScalar[Program]:
    """The programs a list or an export shows: filtered and within `areas`, in no order yet."""
    statement = PROGRAMS.readable(areas)
    if filters.status is not None:
        statement = statement.where(Program.status == filters.status)
    if filters.category is not None:
        statement = statement.where(Program.category == filters.category)
    if filters.lead_organization_id is not None:
        statement = statement.where(Program.lead_organization_id == filters.lead_organization_id)
    if filters.organization_id is not None:
        partnered = select(ProgramPartner.program_id).where(
            ProgramPartner.organization_id == filters.organization_id
        )
        statement = statement.where(
            or_(
                col(Program.lead_organization_id) == filters.organization_id,
                col(Program.id).in_(partnered),
            )
        )
    if filters.area_code is not None:
        targeting = select(ProgramArea.program_id).where(ProgramArea.area_code == filters.area_code)
        statement = statement.where(col(Program.id).in_(targeting))
    if filters.starts_on_or_after is not None:
        statement = statement.where(col(Program.start_date) >= filters.starts_on_or_after)
    if filters.ends_on_or_before is not None:
        statement = statement.where(col(Program.end_date) <= filters.ends_on_or_before)
    if filters.active_on is not None:
        # An unknown start or end leaves the program open on that side.
        statement = statement.where(
            or_(col(Program.start_date).is_(None), col(Program.start_date) <= filters.active_on),
            or_(col(Program.end_date).is_(None), col(Program.end_date) >= filters.active_on),
        )
    if filters.title_contains:
        statement = statement.where(
            col(Program.title).icontains(filters.title_contains, autoescape=True)
        )
    return sync_window(
        statement,
        Program,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


@lru_cache(maxsize=256)
def _page_of_programs(
    filters: ProgramFilters, areas: AreaScope, dialect: str, continued: bool
) -> Select[Any]:
    matching = programs_query(filters, areas=areas)
    return page_statement(representation.PROGRAMS, matching, dialect, continued=continued)


@lru_cache(maxsize=256)
def _one_program(areas: AreaScope, dialect: str) -> Select[Any]:
    matching = PROGRAMS.readable(areas).where(Program.id == KEY, col(Program.deleted_at).is_(None))
    return item_statement(representation.PROGRAMS, matching, dialect)


async def list_programs(
    connection: AsyncConnection, page: PageRequest, filters: ProgramFilters, *, areas: AreaScope
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of programs as `ProgramPublic` items, and the key to continue after."""
    dialect = connection.dialect.name
    statement = _page_of_programs(filters, areas, dialect, page.after is not None)
    return await read_page(connection, representation.PROGRAMS, statement, page)


async def read_program(
    connection: AsyncConnection, program_id: str, *, areas: AreaScope
) -> dict[str, Any]:
    """The live program as `ProgramPublic`, if it targets an area in scope (else it is
    reported missing)."""
    parsed = parse_id(program_id)
    if parsed is not None:
        statement = _one_program(areas, connection.dialect.name)
        item = await read_one(connection, representation.PROGRAMS, statement, parsed)
        if item is not None:
            return item
    raise ProgramNotFound(program_id)


def _check_unique_entries(
    partners: Sequence[PartnerInput] | None, area_codes: Sequence[str] | None
) -> None:
    errors: list[FieldError] = []
    seen_partners: set[tuple[uuid.UUID, str]] = set()
    for index, partner in enumerate(partners or []):
        key = (partner.organization_id, partner.role)
        if key in seen_partners:
            errors.append(
                FieldError(
                    location="body",
                    field=f"partners.{index}",
                    message="The same organization appears twice in the same role.",
                    code="duplicate",
                )
            )
        seen_partners.add(key)
    seen_areas: set[str] = set()
    for index, code in enumerate(area_codes or []):
        if code in seen_areas:
            errors.append(
                FieldError(
                    location="body",
                    field=f"area_codes.{index}",
                    message="The same area code appears twice.",
                    code="duplicate",
                )
            )
        seen_areas.add(code)
    if errors:
        raise ValidationFailed("The program lists an entry twice.", errors=errors)


async def _check_references(
    session: AsyncSession,
    lead_organization_id: uuid.UUID | None,
    partners: Sequence[PartnerInput] | None,
    area_codes: Sequence[str] | None,
) -> None:
    """Refuse references to missing or deleted rows: one query per kind of row."""
    wanted = [p.organization_id for p in partners or []]
    if lead_organization_id is not None:
        wanted.append(lead_organization_id)
    live = await live_organization_ids(session, wanted)
    errors: list[FieldError] = []
    if lead_organization_id is not None and lead_organization_id not in live:
        errors.append(
            FieldError(
                location="body",
                field="lead_organization_id",
                message="No live organization has this id.",
                code="unknown_reference",
            )
        )
    for index, partner in enumerate(partners or []):
        if partner.organization_id not in live:
            errors.append(
                FieldError(
                    location="body",
                    field=f"partners.{index}.organization_id",
                    message="No live organization has this id.",
                    code="unknown_reference",
                )
            )
    if errors:
        raise ValidationFailed("The program names an unknown organization.", errors=errors)
    if area_codes:
        await ensure_areas_exist(session, area_codes, field="area_codes")


_LISTS: set[str] = {"partners", "area_codes"}


def _partner_rows(program: Program, partners: Sequence[PartnerInput]) -> list[ProgramPartner]:
    return [
        ProgramPartner(program_id=program.id, organization_id=p.organization_id, role=p.role)
        for p in partners
    ]


def _area_rows(program: Program, area_codes: Sequence[str]) -> list[ProgramArea]:
    return [ProgramArea(program_id=program.id, area_code=code) for code in area_codes]


def _refuse_areas_out_of_scope(areas: AreaScope, area_codes: Sequence[str]) -> None:
    """A restricted client must target at least one area, and only areas it covers."""
    fields: list[tuple[str, str | None]] = [
        (f"area_codes.{index}", code) for index, code in enumerate(area_codes)
    ]
    refuse_uncovered_fields(areas, fields or [("area_codes", None)])


async def create_program(
    session: AsyncSession, data: ProgramCreate, *, areas: AreaScope
) -> ProgramPublic:
    _refuse_areas_out_of_scope(areas, data.area_codes)
    check_date_order(data.start_date, data.end_date, "start_date", "end_date")
    _check_unique_entries(data.partners, data.area_codes)
    await _check_references(session, data.lead_organization_id, data.partners, data.area_codes)
    program = Program.model_validate(data.model_dump(exclude=_LISTS))
    program.partners = _partner_rows(program, data.partners)
    program.areas = _area_rows(program, data.area_codes)
    session.add(program)
    await session.flush()
    return _public(program, (0, 0))


async def update_program(
    session: AsyncSession, program: Program, data: ProgramUpdate, *, areas: AreaScope
) -> None:
    """Apply the fields sent; `partners` and `area_codes` replace their whole lists.
    The program must have its details loaded."""
    refuse_stored_outside(areas, [area.area_code for area in program.areas], what="program")
    sent: dict[str, Any] = data.model_dump(exclude_unset=True)
    changes = {name: value for name, value in sent.items() if name not in _LISTS}
    check_date_order(
        changes.get("start_date", program.start_date),
        changes.get("end_date", program.end_date),
        "start_date",
        "end_date",
    )
    if data.area_codes is not None:
        _refuse_areas_out_of_scope(areas, data.area_codes)
    _check_unique_entries(data.partners, data.area_codes)
    await _check_references(
        session, changes.get("lead_organization_id"), data.partners, data.area_codes
    )
    program.sqlmodel_update(changes)
    if data.partners is not None:
        program.partners = _partner_rows(program, data.partners)
    if data.area_codes is not None:
        program.areas = _area_rows(program, data.area_codes)
    program.updated_at = utcnow()
    session.add(program)
    await session.flush()


async def delete_program(session: AsyncSession, program: Program, *, areas: AreaScope) -> None:
    """Tombstone the program and its live enrollments; feedback about it is kept."""
    if not areas.unrestricted:
        codes = await session.exec(
            select(ProgramArea.area_code).where(ProgramArea.program_id == program.id)
        )
        refuse_stored_outside(areas, codes.all(), what="program")
    now = utcnow()
    await session.exec(
        update(Enrollment)
        .where(col(Enrollment.program_id) == program.id, col(Enrollment.deleted_at).is_(None))
        .values(deleted_at=now, updated_at=now)
    )
    tombstone(program, now)
    session.add(program)
    await session.flush()
