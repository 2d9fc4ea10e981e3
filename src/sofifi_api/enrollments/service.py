import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.auth.areas import AreaScope
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.enrollments.models import (
    Enrollment,
    EnrollmentCreate,
    EnrollmentStatus,
    EnrollmentUpdate,
)
from sofifi_api.enrollments.visibility import ENROLLMENTS
from sofifi_api.errors import Conflict, NotFound, ValidationFailed
from sofifi_api.pagination import PageRequest
from sofifi_api.participants.models import Participant
from sofifi_api.participants.visibility import PARTICIPANTS
from sofifi_api.programs.models import Program
from sofifi_api.programs.service import ProgramNotFound
from sofifi_api.programs.visibility import PROGRAMS
from sofifi_api.representations import collections
from sofifi_api.representations.nested import NestedCollection
from sofifi_api.schemas import check_date_order


class EnrollmentNotFound(NotFound):
    def __init__(self, enrollment_id: uuid.UUID | str) -> None:
        super().__init__(f"No enrollment with id {enrollment_id} in this program.")


class ParticipantAlreadyEnrolled(Conflict):
    def __init__(self, enrollment_id: uuid.UUID) -> None:
        super().__init__(
            f"The participant is already enrolled in this program (enrollment {enrollment_id}); "
            "update that enrollment instead."
        )


async def get_enrollment(
    session: AsyncSession, program: Program, enrollment_id: uuid.UUID, *, areas: AreaScope
) -> Enrollment:
    """The live enrollment of this program, if the client sees it (else it is reported
    missing)."""
    enrollment = (
        await session.exec(ENROLLMENTS.readable(areas).where(Enrollment.id == enrollment_id))
    ).first()
    if (
        enrollment is None
        or enrollment.program_id != program.id
        or enrollment.deleted_at is not None
    ):
        raise EnrollmentNotFound(enrollment_id)
    return enrollment


@dataclass(frozen=True)
class EnrollmentFilters:
    # The program's enrollments; None: those of every program in scope.
    program_id: uuid.UUID | None = None
    status: EnrollmentStatus | None = None
    participant_id: uuid.UUID | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def enrollments_query(
    filters: EnrollmentFilters, *, areas: AreaScope
) -> SelectOfScalar[Enrollment]:
    """The enrollments a list or an export shows, in no order yet: for a client restricted to
    areas, those of its programs whose participant is in its areas."""
    statement = ENROLLMENTS.readable(areas)
    if filters.program_id is not None:
        statement = statement.where(Enrollment.program_id == filters.program_id)
    if filters.status is not None:
        statement = statement.where(Enrollment.status == filters.status)
    if filters.participant_id is not None:
        statement = statement.where(Enrollment.participant_id == filters.participant_id)
    return sync_window(
        statement,
        Enrollment,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


_OF_PROGRAM = NestedCollection(
    collection=collections.ENROLLMENTS,
    visibility=ENROLLMENTS,
    parent=PROGRAMS,
    parent_column=col(Enrollment.program_id),
    query=enrollments_query,
    parent_filter="program_id",
    parent_missing=ProgramNotFound,
    item_missing=EnrollmentNotFound,
)


async def list_enrollments(
    connection: AsyncConnection,
    program_id: str,
    page: PageRequest,
    filters: EnrollmentFilters,
    *,
    areas: AreaScope,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the live program's enrollments as `EnrollmentPublic` items, and the key to
    continue after."""
    return await _OF_PROGRAM.page(connection, program_id, page, filters, areas=areas)


async def read_enrollment(
    connection: AsyncConnection, program_id: str, enrollment_id: str, *, areas: AreaScope
) -> dict[str, Any]:
    """The live enrollment of the live program as `EnrollmentPublic`, if the client sees it
    (else it is reported missing; the program too, when the client does not see it)."""
    return await _OF_PROGRAM.item(connection, program_id, enrollment_id, areas=areas)


def _check_completion(
    status: EnrollmentStatus, enrolled_on: date, completed_on: date | None
) -> None:
    if completed_on is not None and status != EnrollmentStatus.completed:
        raise ValidationFailed.for_field(
            "completed_on",
            "completed_on may only be set when status is completed.",
            code="completed_on_without_completion",
        )
    check_date_order(enrolled_on, completed_on, "enrolled_on", "completed_on")


async def _ensure_participant_exists(
    session: AsyncSession, participant_id: uuid.UUID, areas: AreaScope
) -> None:
    """A participant outside the client's areas is reported like a missing one."""
    statement = select(Participant.id).where(
        Participant.id == participant_id,
        col(Participant.deleted_at).is_(None),
        PARTICIPANTS.where(areas),
    )
    found = await session.exec(statement)
    if found.first() is None:
        raise ValidationFailed.for_field(
            "participant_id", "No live participant has this id.", code="unknown_reference"
        )


async def _ensure_not_enrolled(
    session: AsyncSession, program: Program, participant_id: uuid.UUID
) -> None:
    existing = await session.exec(
        select(Enrollment.id).where(
            Enrollment.program_id == program.id,
            Enrollment.participant_id == participant_id,
            col(Enrollment.deleted_at).is_(None),
        )
    )
    enrollment_id = existing.first()
    if enrollment_id is not None:
        raise ParticipantAlreadyEnrolled(enrollment_id)


def _touch(program: Program, now: datetime) -> None:
    """The program's enrollment counts may have changed, so its representation did."""
    program.updated_at = now


async def create_enrollment(
    session: AsyncSession, program: Program, data: EnrollmentCreate, *, areas: AreaScope
) -> Enrollment:
    _check_completion(data.status, data.enrolled_on, data.completed_on)
    await _ensure_participant_exists(session, data.participant_id, areas)
    await _ensure_not_enrolled(session, program, data.participant_id)
    enrollment = Enrollment.model_validate(data, update={"program_id": program.id})
    _touch(program, enrollment.created_at)
    session.add_all([enrollment, program])
    await session.flush()
    return enrollment


async def update_enrollment(
    session: AsyncSession, program: Program, enrollment: Enrollment, data: EnrollmentUpdate
) -> Enrollment:
    """Apply the fields sent; a field sent as null is cleared (if it may be empty)."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    _check_completion(
        changes.get("status", enrollment.status),
        changes.get("enrolled_on", enrollment.enrolled_on),
        changes.get("completed_on", enrollment.completed_on),
    )
    now = utcnow()
    if changes.get("status", enrollment.status) != enrollment.status:
        _touch(program, now)
        session.add(program)
    enrollment.sqlmodel_update(changes)
    enrollment.updated_at = now
    session.add(enrollment)
    await session.flush()
    return enrollment


async def delete_enrollment(
    session: AsyncSession, program: Program, enrollment: Enrollment
) -> None:
    now = utcnow()
    tombstone(enrollment, now)
    _touch(program, now)
    session.add_all([enrollment, program])
    await session.flush()
