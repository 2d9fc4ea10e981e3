import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.dialects import postgresql
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.areas.models import Area
from sofifi_api.audit.service import RecordedInsert, RowCondition, insert_recorded
from sofifi_api.auth.areas import (
    AREA_OUT_OF_SCOPE,
    AreaScope,
    refuse_uncovered_fields,
    uncovered_field,
)
from sofifi_api.db import new_id, new_ids, sync_window, tombstone, utcnow
from sofifi_api.errors import (
    Conflict,
    FieldError,
    NotFound,
    ValidationFailed,
    field_errors_from_pydantic,
)
from sofifi_api.feedback.models import (
    BatchItemStatus,
    Feedback,
    FeedbackBatchItemResult,
    FeedbackCreate,
    FeedbackItem,
    FeedbackStatus,
    FeedbackUpdate,
    ReviewStatus,
)
from sofifi_api.feedback.visibility import FEEDBACK
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.infrastructure_projects.visibility import PROJECTS
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.programs.models import Program
from sofifi_api.programs.visibility import PROGRAMS
from sofifi_api.surveys.models import Survey, SurveyVersion
from sofifi_api.surveys.validation import survey_versions, validate_answers

RESOURCE_TYPE = "feedback"
MAX_CLIENT_REF_LENGTH = 100

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


class SubmissionOutOfSight(Conflict):
    title, slug = "Submission out of sight", "submission-out-of-sight"

    def __init__(self) -> None:
        super().__init__(
            "This client already submitted feedback with this client_ref, and that feedback "
            "is no longer within the client's areas; nothing was stored."
        )


@dataclass(frozen=True)
class FeedbackFilters:
    program_id: uuid.UUID | None = None
    infrastructure_project_id: uuid.UUID | None = None
    status: FeedbackStatus | None = None
    # None: every review status.
    review_statuses: frozenset[ReviewStatus] | None = None
    rating: int | None = None
    min_rating: int | None = None
    area_code: str | None = None
    client_ref: str | None = None
    # A client_ref is the submitting client's own name: the filter looks only at its submissions.
    submitted_by: uuid.UUID | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def _body_error(field: str, message: str, code: str) -> FieldError:
    return FieldError(location="body", field=field, message=message, code=code)


async def get_feedback(
    session: AsyncSession, feedback_id: uuid.UUID, *, areas: AreaScope
) -> Feedback:
    """Live feedback, if it is in scope (else it is reported missing)."""
    found = await session.exec(FEEDBACK.readable(areas).where(Feedback.id == feedback_id))
    feedback = found.first()
    if feedback is None or feedback.deleted_at is not None:
        raise FeedbackNotFound(feedback_id)
    return feedback


def feedback_query(filters: FeedbackFilters, *, areas: AreaScope) -> SelectOfScalar[Feedback]:
    """The feedback a list or an export shows: filtered and within `areas`, in no order yet;
    `submitted_from` is inclusive, `submitted_to` exclusive."""
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
    statement = FEEDBACK.readable(areas)
    if filters.program_id is not None:
        statement = statement.where(col(Feedback.program_id) == filters.program_id)
    if filters.infrastructure_project_id is not None:
        statement = statement.where(
            col(Feedback.infrastructure_project_id) == filters.infrastructure_project_id
        )
    if filters.status is not None:
        statement = statement.where(col(Feedback.status) == filters.status)
    if filters.review_statuses is not None:
        statement = statement.where(col(Feedback.review_status).in_(filters.review_statuses))
    if filters.rating is not None:
        statement = statement.where(col(Feedback.rating) == filters.rating)
    if filters.min_rating is not None:
        statement = statement.where(col(Feedback.rating) >= filters.min_rating)
    if filters.area_code is not None:
        statement = statement.where(col(Feedback.area_code) == filters.area_code)
    if filters.client_ref is not None:
        statement = statement.where(
            col(Feedback.client_ref) == filters.client_ref,
            col(Feedback.client_id) == filters.submitted_by,
        )
    if filters.submitted_from is not None:
        statement = statement.where(col(Feedback.submitted_at) >= filters.submitted_from)
    if filters.submitted_to is not None:
        statement = statement.where(col(Feedback.submitted_at) < filters.submitted_to)
    return sync_window(
        statement,
        Feedback,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


async def list_feedback(
    session: AsyncSession, page: PageRequest, filters: FeedbackFilters, *, areas: AreaScope
) -> tuple[list[Feedback], str | None]:
    """A page of feedback in creation order."""
    statement = feedback_query(filters, areas=areas)
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
    if (
        data.rating is None
        and (data.comment is None or not data.comment.strip())
        and data.answers is None
    ):
        message = "Give a rating, a comment or survey answers."
        errors += [
            _body_error("rating", message, "rating_or_comment"),
            _body_error("comment", message, "rating_or_comment"),
        ]
    errors += _survey_pairing_errors(data)
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


def _survey_pairing_errors(data: FeedbackCreate) -> list[FieldError]:
    """survey_id, survey_version and answers come together or not at all."""
    given = {
        "survey_id": data.survey_id is not None,
        "survey_version": data.survey_version is not None,
        "answers": data.answers is not None,
    }
    if all(given.values()) or not any(given.values()):
        return []
    message = "Give survey_id, survey_version and answers together."
    return [
        _body_error(field, message, "required_with")
        for field, present in given.items()
        if not present
    ]


@dataclass
class _References:
    """What the references of a set of submissions point at, loaded with one query per kind."""

    programs: set[uuid.UUID] = field(default_factory=set)
    projects: set[uuid.UUID] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)
    versions: dict[tuple[uuid.UUID, int], SurveyVersion] = field(default_factory=dict)
    surveys: set[uuid.UUID] = field(default_factory=set)


def _live_programs(areas: AreaScope) -> tuple[sa.ColumnElement[bool], ...]:
    """The programs a submission may be about: live and within the client's areas."""
    return col(Program.deleted_at).is_(None), PROGRAMS.where(areas)


def _live_projects(areas: AreaScope) -> tuple[sa.ColumnElement[bool], ...]:
    """The infrastructure projects a submission may be about: live and within its areas."""
    return col(InfrastructureProject.deleted_at).is_(None), PROJECTS.where(areas)


_LIVE_AREA = (col(Area.deleted_at).is_(None),)


def _references_hold(areas: AreaScope) -> RowCondition:
    """SQL over an incoming row: the subject and the area it names are ones
    `_reference_errors` accepts (survey answers aside)."""

    def condition(row: sa.ColumnCollection[str, sa.ColumnElement[Any]]) -> sa.ColumnElement[bool]:
        program = sa.exists().where(col(Program.id) == row.program_id, *_live_programs(areas))
        project = sa.exists().where(
            col(InfrastructureProject.id) == row.infrastructure_project_id,
            *_live_projects(areas),
        )
        area = sa.exists().where(col(Area.code) == row.area_code, *_LIVE_AREA)
        return sa.and_(
            sa.or_(row.program_id.is_(None), program),
            sa.or_(row.infrastructure_project_id.is_(None), project),
            sa.or_(row.area_code.is_(None), area),
        )

    return condition


async def _load_references(
    session: AsyncSession, items: Sequence[FeedbackCreate], areas: AreaScope
) -> _References:
    """Live programs and projects in scope, live areas, published versions of live surveys."""
    refs = _References()
    program_ids = {item.program_id for item in items if item.program_id is not None}
    if program_ids:
        found = await session.exec(
            select(Program.id).where(col(Program.id).in_(program_ids), *_live_programs(areas))
        )
        refs.programs = set(found.all())
    project_ids = {
        item.infrastructure_project_id
        for item in items
        if item.infrastructure_project_id is not None
    }
    if project_ids:
        found_projects = await session.exec(
            select(InfrastructureProject.id).where(
                col(InfrastructureProject.id).in_(project_ids), *_live_projects(areas)
            )
        )
        refs.projects = set(found_projects.all())
    codes = {item.area_code for item in items if item.area_code is not None}
    if codes:
        found_areas = await session.exec(
            select(Area.code).where(col(Area.code).in_(codes), *_LIVE_AREA)
        )
        refs.areas = set(found_areas.all())
    pairs = {
        (item.survey_id, item.survey_version)
        for item in items
        if item.survey_id is not None and item.survey_version is not None
    }
    if pairs:
        refs.versions = await survey_versions(session, pairs)
        # Only to tell an unknown survey from an unknown version of a known one.
        unmatched = {survey_id for survey_id, version in pairs} - {
            survey_id for survey_id, _ in refs.versions
        }
        refs.surveys = {survey_id for survey_id, _ in refs.versions}
        if unmatched:
            found_surveys = await session.exec(
                select(Survey.id).where(
                    col(Survey.id).in_(unmatched), col(Survey.deleted_at).is_(None)
                )
            )
            refs.surveys |= set(found_surveys.all())
    return refs


def _reference_errors(
    data: FeedbackCreate, refs: _References, areas: AreaScope
) -> list[FieldError]:
    """What the submission points at must exist, be live and lie in the client's areas; a
    subject outside them is reported like a missing one. Answers are checked last."""
    errors: list[FieldError] = []
    if data.program_id is not None and data.program_id not in refs.programs:
        errors.append(
            _body_error("program_id", "No live program has this id.", "unknown_reference")
        )
    if (
        data.infrastructure_project_id is not None
        and data.infrastructure_project_id not in refs.projects
    ):
        errors.append(
            _body_error(
                "infrastructure_project_id",
                "No live infrastructure project has this id.",
                "unknown_reference",
            )
        )
    if data.area_code is not None:
        outside = uncovered_field(areas, "area_code", data.area_code)
        if outside is not None:
            errors.append(outside)
        elif data.area_code not in refs.areas:
            errors.append(
                _body_error("area_code", "No live area has this code.", "unknown_reference")
            )
    if data.survey_id is not None and data.survey_version is not None:
        version = refs.versions.get((data.survey_id, data.survey_version))
        if data.survey_id not in refs.surveys:
            errors.append(
                _body_error("survey_id", "No live survey has this id.", "unknown_reference")
            )
        elif version is None:
            errors.append(
                _body_error(
                    "survey_version",
                    "The survey has no published version with this number.",
                    "unknown_reference",
                )
            )
        elif data.answers is not None:
            errors += validate_answers(version.questions, data.answers)
    return errors


def _raise_for(errors: list[FieldError], data: FeedbackCreate, areas: AreaScope) -> None:
    """422 for invalid content or references; 403 when the only fault is an area outside the
    client's areas."""
    invalid = [error for error in errors if error.code != AREA_OUT_OF_SCOPE]
    if invalid:
        fields = ", ".join(dict.fromkeys(error.field for error in invalid))
        raise ValidationFailed(f"The request has invalid fields: {fields}.", errors=invalid)
    if errors:
        refuse_uncovered_fields(areas, [("area_code", data.area_code)])


async def find_submission(
    session: AsyncSession, client_id: uuid.UUID, client_ref: str
) -> Feedback | None:
    """The feedback this client already submitted with this reference, deleted or not."""
    found = await session.exec(
        select(Feedback).where(
            col(Feedback.client_id) == client_id, col(Feedback.client_ref) == client_ref
        )
    )
    return found.first()


StoredFeedback = Feedback | sa.Row[Any]
"""Feedback as the ORM loaded it or as the INSERT returned its row: both read as
`FeedbackPublic`."""


async def create_feedback(
    session: AsyncSession, data: FeedbackCreate, *, client_id: uuid.UUID, areas: AreaScope
) -> tuple[StoredFeedback, bool]:
    """Stores the submission, or finds the one this client already made with the same
    `client_ref`; the flag says whether it is new.

    A submission that is valid on its face and answers no survey is stored by one statement
    that itself checks what it refers to; when that stores nothing (a reference does not hold,
    or the client_ref was used), the submission takes the checks below, which say why."""
    received_at = utcnow()
    content_errors = _content_errors(data, received_at)
    if (
        not content_errors
        and data.survey_id is None
        and uncovered_field(areas, "area_code", data.area_code) is None
    ):
        row = _row(data, new_id(), client_id, received_at)
        stored = await _checked_insert(areas).run(session, row)
        if stored is not None:
            return stored, True
    if data.client_ref is not None:
        existing = await find_submission(session, client_id, data.client_ref)
        if existing is not None:
            return await _in_sight(session, existing, areas), False
    if content_errors:
        _raise_for(content_errors, data, areas)
    refs = await _load_references(session, [data], areas)
    _raise_for(_reference_errors(data, refs, areas), data, areas)
    stored = await _INSERT.run(session, _row(data, new_id(), client_id, received_at))
    if stored is not None:
        return stored, True
    # The unique index settled a race with a concurrent submission of the same reference.
    assert data.client_ref is not None  # only a row with a reference can be refused
    existing = await find_submission(session, client_id, data.client_ref)
    if existing is None:
        raise Conflict("A concurrent request held this client_ref; send the submission again.")
    return await _in_sight(session, existing, areas), False


_TABLE: sa.Table = Feedback.__table__  # type: ignore[attr-defined]
_INSERT = RecordedInsert(_TABLE, RESOURCE_TYPE)


@functools.lru_cache(maxsize=256)
def _checked_insert(areas: AreaScope) -> RecordedInsert:
    """The INSERT that stores a submission only if its references hold, one per area scope."""
    return RecordedInsert(_TABLE, RESOURCE_TYPE, only_if=_references_hold(areas))


async def _in_sight(session: AsyncSession, feedback: Feedback, areas: AreaScope) -> Feedback:
    """A stored submission the client still sees; one it no longer sees is not shown (409)."""
    if not await FEEDBACK.visible_keys(session, [feedback.id], areas):
        raise SubmissionOutOfSight
    return feedback


_ITEM = TypeAdapter(FeedbackItem)


def _item_client_ref(raw: Any) -> str | None:
    ref = raw.get("client_ref") if isinstance(raw, dict) else None
    # A reference that could never be stored is neither looked up nor repeated in the answer.
    usable = isinstance(ref, str) and len(ref) <= MAX_CLIENT_REF_LENGTH and ref.isprintable()
    return ref if usable else None


def _row(
    data: FeedbackCreate, feedback_id: uuid.UUID, client_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    return {
        "id": feedback_id,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "program_id": data.program_id,
        "infrastructure_project_id": data.infrastructure_project_id,
        "rating": data.rating,
        "comment": data.comment,
        "area_code": data.area_code,
        "submitted_at": data.submitted_at,
        "client_ref": data.client_ref,
        "received_at": now,
        "client_id": client_id,
        "survey_id": data.survey_id,
        "survey_version": data.survey_version,
        "answers": data.answers,
        "status": FeedbackStatus.new.value,
        "response_note": None,
        "review_status": ReviewStatus.received.value,
        "reviewed_at": None,
        "reviewed_by": None,
    }


async def _stored_refs(
    session: AsyncSession, client_id: uuid.UUID, client_refs: set[str]
) -> dict[str, uuid.UUID]:
    """Ids of the feedback this client already submitted under these references."""
    if not client_refs:
        return {}
    connection = await session.connection()
    statement = select(Feedback.client_ref, Feedback.id).where(col(Feedback.client_id) == client_id)
    if connection.dialect.name == "postgresql":
        # A join with the unnested array keeps one index look-up per reference even under a
        # cached generic plan, which turns `= ANY(array)` into a scan of the client's rows.
        array = postgresql.ARRAY(sa.String())
        wanted = (
            sa.func.unnest(sa.cast(sa.bindparam("refs", list(client_refs), type_=array), array))
            .table_valued("ref")
            .render_derived(name="wanted")
        )
        statement = statement.join(wanted, col(Feedback.client_ref) == wanted.c.ref)
    else:
        statement = statement.where(col(Feedback.client_ref).in_(client_refs))
    found = await session.exec(statement)
    return {ref: feedback_id for ref, feedback_id in found.all() if ref is not None}


def _invalid(
    index: int, client_ref: str | None, errors: list[FieldError]
) -> FeedbackBatchItemResult:
    return FeedbackBatchItemResult(
        index=index, client_ref=client_ref, status=BatchItemStatus.invalid, errors=errors
    )


def _duplicate(
    index: int, client_ref: str | None, feedback_id: uuid.UUID
) -> FeedbackBatchItemResult:
    return FeedbackBatchItemResult(
        index=index, client_ref=client_ref, status=BatchItemStatus.duplicate, id=feedback_id
    )


async def create_feedback_batch(
    session: AsyncSession,
    raw_items: Sequence[Any],
    *,
    client_id: uuid.UUID,
    areas: AreaScope,
) -> list[FeedbackBatchItemResult]:
    """Stores every valid item and reports each item's fate, in order.

    Each item is validated alone; references are checked with one query per kind, stored
    references with one query, and all new rows go in with one INSERT that skips rows whose
    reference a concurrent request stored meanwhile (reported as duplicates)."""
    now = utcnow()
    results: list[FeedbackBatchItemResult | None] = [None] * len(raw_items)
    parsed: list[tuple[int, FeedbackCreate]] = []
    for index, raw in enumerate(raw_items):
        try:
            parsed.append((index, _ITEM.validate_python(raw)))
        except PydanticValidationError as exc:
            errors = field_errors_from_pydantic(exc.errors(include_input=False))
            results[index] = _invalid(index, _item_client_ref(raw), errors)

    refs = await _load_references(session, [data for _, data in parsed], areas)
    accepted: list[tuple[int, FeedbackCreate]] = []
    first_of_ref: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    for index, data in parsed:
        ref = data.client_ref
        if ref is not None and ref in first_of_ref:
            repeats.append((index, ref))
            continue
        errors = _content_errors(data, now) or _reference_errors(data, refs, areas)
        if errors:
            results[index] = _invalid(index, ref, errors)
            continue
        if ref is not None:
            first_of_ref[ref] = index
        accepted.append((index, data))
    ids = new_ids(len(accepted))
    created_ids = {
        index: feedback_id for (index, _), feedback_id in zip(accepted, ids, strict=True)
    }
    inserted = await insert_recorded(
        session,
        _TABLE,
        [
            _row(data, feedback_id, client_id, now)
            for (_, data), feedback_id in zip(accepted, ids, strict=True)
        ],
        RESOURCE_TYPE,
    )

    # A reference already stored, before or by a concurrent request meanwhile, makes its item
    # a duplicate of what is stored, even an item that would now be refused.
    skipped = {ref for ref, index in first_of_ref.items() if created_ids[index] not in inserted}
    refused = {
        result.client_ref
        for result in results
        if result is not None and result.client_ref is not None
    }
    # (A refused item whose reference a later item of this batch stored stays refused.)
    stored = await _stored_refs(session, client_id, skipped | (refused - first_of_ref.keys()))
    for index, result in enumerate(results):
        if result is not None and result.client_ref in stored:
            results[index] = _duplicate(index, result.client_ref, stored[result.client_ref])
    for index, data in accepted:
        ref = data.client_ref
        if created_ids[index] in inserted:
            results[index] = FeedbackBatchItemResult(
                index=index, client_ref=ref, status=BatchItemStatus.created, id=created_ids[index]
            )
        else:
            assert ref is not None  # only a row with a reference can be skipped
            results[index] = _settled_repeat(index, ref, stored.get(ref))
    for index, ref in repeats:
        first = first_of_ref[ref]
        kept = created_ids[first] if created_ids[first] in inserted else stored.get(ref)
        results[index] = _settled_repeat(index, ref, kept)
    return await _hide_out_of_sight(
        session, [result for result in results if result is not None], areas
    )


async def _hide_out_of_sight(
    session: AsyncSession, results: list[FeedbackBatchItemResult], areas: AreaScope
) -> list[FeedbackBatchItemResult]:
    """Duplicates of stored feedback the client no longer sees keep their status, not its id."""
    duplicates = {
        result.id
        for result in results
        if result.status == BatchItemStatus.duplicate and result.id is not None
    }
    in_sight = await FEEDBACK.visible_keys(session, duplicates, areas)
    for result in results:
        if result.status == BatchItemStatus.duplicate and result.id not in in_sight:
            result.id = None
    return results


def _settled_repeat(
    index: int, client_ref: str, feedback_id: uuid.UUID | None
) -> FeedbackBatchItemResult:
    """A reference stored by another item or request is a duplicate of what was stored."""
    if feedback_id is None:
        # The concurrent request that held the reference did not keep it; nothing is stored.
        message = "A concurrent request held this client_ref; send the item again."
        return _invalid(index, client_ref, [_body_error("client_ref", message, "conflict")])
    return _duplicate(index, client_ref, feedback_id)


async def update_feedback(
    session: AsyncSession, feedback: Feedback, data: FeedbackUpdate
) -> Feedback:
    """Moves the status forwards and sets the response; the submitted content never changes."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
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
    tombstone(feedback, now)
    session.add(feedback)
    await session.flush()
