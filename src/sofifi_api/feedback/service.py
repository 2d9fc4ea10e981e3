import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.service import ensure_area_exists
from sofifi_api.auth.areas import AreaScope, refuse_uncovered_fields
from sofifi_api.db import utcnow
from sofifi_api.errors import Conflict, FieldError, NotFound, ValidationFailed
from sofifi_api.feedback.models import Feedback, FeedbackCreate, FeedbackStatus, FeedbackUpdate
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.infrastructure_projects.service import project_in_scope
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.programs.models import Program
from sofifi_api.programs.service import program_in_scope
from sofifi_api.schemas import require_non_null

# Device clocks drift; anything further ahead than this is a wrong clock, not a late upload.
MAX_CLOCK_SKEW = timedelta(minutes=10)

# The statuses each status may move to; handling only ever moves forwards.
ALLOWED_TRANSITIONS: dict[FeedbackStatus, frozenset[FeedbackStatus]] = {
    FeedbackStatus.new: frozenset(
        {FeedbackStatus.new, FeedbackStatus.acknowledged, FeedbackStatus.resolved}
    ),
    FeedbackStatus.acknowledged: frozenset({FeedbackStatus.acknowledged, FeedbackStatus.resolved}),
    FeedbackStatus.resolved: frozenset({FeedbackStatus.resolved}),
}


class FeedbackNotFound(NotFound):
    def __init__(self, feedback_id: uuid.UUID | str) -> None:
        super().__init__(f"No feedback with id {feedback_id}.")


class StatusCannotGoBack(Conflict):
    title, slug = "Status cannot go back", "status-transition"

    def __init__(self, current: FeedbackStatus, requested: FeedbackStatus) -> None:
        super().__init__(
            f"Feedback that is {current} cannot become {requested}; "
            "status moves only from new to acknowledged to resolved."
        )


@dataclass(frozen=True)
class FeedbackFilters:
    program_id: uuid.UUID | None = None
    infrastructure_project_id: uuid.UUID | None = None
    status: FeedbackStatus | None = None
    rating: int | None = None
    min_rating: int | None = None
    area_code: str | None = None
    client_ref: str | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def _body_error(field: str, message: str, code: str) -> FieldError:
    return FieldError(location="body", field=field, message=message, code=code)


def feedback_in_scope(areas: AreaScope) -> ColumnElement[bool]:
    """SQL: the feedback's subject is in scope and, if it names an area, that area is covered."""
    if areas.unrestricted:
        return sa.true()
    return sa.and_(
        sa.or_(
            program_in_scope(areas, col(Feedback.program_id)),
            project_in_scope(areas, col(Feedback.infrastructure_project_id)),
        ),
        sa.or_(col(Feedback.area_code).is_(None), areas.clause(col(Feedback.area_code))),
    )


async def get_feedback(
    session: AsyncSession, feedback_id: uuid.UUID, *, areas: AreaScope
) -> Feedback:
    """Live feedback, if it is in scope (else it is reported missing)."""
    if areas.unrestricted:
        feedback = await session.get(Feedback, feedback_id)
    else:
        found = await session.exec(
            select(Feedback).where(Feedback.id == feedback_id, feedback_in_scope(areas))
        )
        feedback = found.first()
    if feedback is None or feedback.deleted_at is not None:
        raise FeedbackNotFound(feedback_id)
    return feedback


async def list_feedback(
    session: AsyncSession, page: PageRequest, filters: FeedbackFilters, *, areas: AreaScope
) -> tuple[list[Feedback], str | None]:
    """Feedback in creation order; `submitted_from` is inclusive, `submitted_to` exclusive."""
    if (
        filters.submitted_from is not None
        and filters.submitted_to is not None
        and filters.submitted_to < filters.submitted_from
    ):
        message = "submitted_to must be on or after submitted_from."
        raise ValidationFailed(
            message,
            errors=[
                FieldError(
                    location="query", field="submitted_to", message=message, code="date_order"
                )
            ],
        )
    statement = select(Feedback)
    if not areas.unrestricted:
        statement = statement.where(feedback_in_scope(areas))
    if not filters.include_deleted:
        statement = statement.where(col(Feedback.deleted_at).is_(None))
    if filters.program_id is not None:
        statement = statement.where(col(Feedback.program_id) == filters.program_id)
    if filters.infrastructure_project_id is not None:
        statement = statement.where(
            col(Feedback.infrastructure_project_id) == filters.infrastructure_project_id
        )
    if filters.status is not None:
        statement = statement.where(col(Feedback.status) == filters.status)
    if filters.rating is not None:
        statement = statement.where(col(Feedback.rating) == filters.rating)
    if filters.min_rating is not None:
        statement = statement.where(col(Feedback.rating) >= filters.min_rating)
    if filters.area_code is not None:
        statement = statement.where(col(Feedback.area_code) == filters.area_code)
    if filters.client_ref is not None:
        statement = statement.where(col(Feedback.client_ref) == filters.client_ref)
    if filters.submitted_from is not None:
        statement = statement.where(col(Feedback.submitted_at) >= filters.submitted_from)
    if filters.submitted_to is not None:
        statement = statement.where(col(Feedback.submitted_at) < filters.submitted_to)
    if filters.updated_since is not None:
        statement = statement.where(col(Feedback.updated_at) >= filters.updated_since)
    rows = (await session.exec(keyset(statement, col(Feedback.id), page))).all()
    return cut_page(rows, page, lambda feedback: feedback.id)


def _content_errors(data: FeedbackCreate, received_at: datetime) -> list[FieldError]:
    """Rules on the submitted content alone, all reported together."""
    errors = []
    if (data.program_id is None) == (data.infrastructure_project_id is None):
        message = "Give exactly one of program_id and infrastructure_project_id."
        errors += [
            _body_error("program_id", message, "one_subject"),
            _body_error("infrastructure_project_id", message, "one_subject"),
        ]
    if data.rating is None and (data.comment is None or not data.comment.strip()):
        message = "Give a rating, a comment or both."
        errors += [
            _body_error("rating", message, "rating_or_comment"),
            _body_error("comment", message, "rating_or_comment"),
        ]
    if data.submitted_at > received_at + MAX_CLOCK_SKEW:
        errors.append(
            _body_error(
                "submitted_at",
                "submitted_at is more than 10 minutes ahead of the server's clock; "
                "check the device's date, time and time zone.",
                "in_future",
            )
        )
    return errors


async def _ensure_subject_is_live(
    session: AsyncSession, data: FeedbackCreate, areas: AreaScope
) -> None:
    """A subject outside the client's areas is reported like a missing one."""
    if data.program_id is not None:
        found = await session.exec(
            select(Program.id).where(
                col(Program.id) == data.program_id,
                col(Program.deleted_at).is_(None),
                program_in_scope(areas, col(Program.id)),
            )
        )
        if found.first() is None:
            raise ValidationFailed.for_field(
                "program_id", "No live program has this id.", code="unknown_reference"
            )
    if data.infrastructure_project_id is not None:
        found_project = await session.exec(
            select(InfrastructureProject.id).where(
                col(InfrastructureProject.id) == data.infrastructure_project_id,
                col(InfrastructureProject.deleted_at).is_(None),
                project_in_scope(areas, col(InfrastructureProject.id)),
            )
        )
        if found_project.first() is None:
            raise ValidationFailed.for_field(
                "infrastructure_project_id",
                "No live infrastructure project has this id.",
                code="unknown_reference",
            )


async def create_feedback(
    session: AsyncSession, data: FeedbackCreate, *, areas: AreaScope
) -> Feedback:
    received_at = utcnow()
    errors = _content_errors(data, received_at)
    if errors:
        fields = ", ".join(dict.fromkeys(error.field for error in errors))
        raise ValidationFailed(f"The request has invalid fields: {fields}.", errors=errors)
    await _ensure_subject_is_live(session, data, areas)
    if data.area_code is not None:
        refuse_uncovered_fields(areas, [("area_code", data.area_code)])
        await ensure_area_exists(session, data.area_code, field="area_code")
    feedback = Feedback.model_validate(data, update={"received_at": received_at})
    session.add(feedback)
    await session.flush()
    return feedback


async def update_feedback(
    session: AsyncSession, feedback: Feedback, data: FeedbackUpdate
) -> Feedback:
    """Moves the status forwards and sets the response; the submitted content never changes."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    require_non_null(changes, "status")
    requested = changes.get("status")
    if requested is not None and requested not in ALLOWED_TRANSITIONS[feedback.status]:
        raise StatusCannotGoBack(feedback.status, requested)
    feedback.sqlmodel_update(changes)
    feedback.updated_at = utcnow()
    session.add(feedback)
    await session.flush()
    return feedback


async def delete_feedback(session: AsyncSession, feedback: Feedback) -> None:
    now = utcnow()
    feedback.deleted_at = now
    feedback.updated_at = now
    session.add(feedback)
    await session.flush()
