import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.errors import Conflict, FieldError, NotFound, ValidationFailed
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.surveys.models import (
    Question,
    QuestionType,
    Survey,
    SurveyCreate,
    SurveyUpdate,
    SurveyVersion,
)
from sofifi_api.surveys.validation import (
    DEFAULT_RATING_MAX,
    DEFAULT_RATING_MIN,
    DEFAULT_TEXT_MAX_LENGTH,
)

CHOICE_TYPES = {QuestionType.single_choice, QuestionType.multiple_choice}
RATING_SCALE = (0, 100)
TEXT_LENGTH = (0, 10000)


class SurveyNotFound(NotFound):
    def __init__(self, survey_id: uuid.UUID | str) -> None:
        super().__init__(f"No survey with id {survey_id}.")


class SurveyVersionNotFound(NotFound):
    def __init__(self, survey_id: uuid.UUID, version: int | None = None) -> None:
        which = "with that number" if version is None else str(version)
        super().__init__(f"Survey {survey_id} has no version {which}.")


class VersionPublishedMeanwhile(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "Another version of this survey was published at the same time; fetch the survey "
            "and publish again."
        )


def _bound_errors(index: int, question: Question) -> list[FieldError]:
    path = f"questions.{index}"
    kind = question.type
    errors = []
    if kind in {QuestionType.rating, QuestionType.text}:
        low, high = RATING_SCALE if kind is QuestionType.rating else TEXT_LENGTH
        what = "rating bounds" if kind is QuestionType.rating else "text length bounds"
        for name, value in (("min", question.min), ("max", question.max)):
            if value is not None and (not float(value).is_integer() or not low <= value <= high):
                errors.append(
                    FieldError(
                        location="body",
                        field=f"{path}.{name}",
                        message=f"The {what} must be whole numbers from {low} to {high}.",
                        code="out_of_range",
                    )
                )
        if kind is QuestionType.text and question.max == 0:
            errors.append(
                FieldError(
                    location="body",
                    field=f"{path}.max",
                    message="The longest text must be at least 1 character.",
                    code="out_of_range",
                )
            )
    elif kind is not QuestionType.number:
        for name, value in (("min", question.min), ("max", question.max)):
            if value is not None:
                errors.append(
                    FieldError(
                        location="body",
                        field=f"{path}.{name}",
                        message=f"Only number, rating and text questions take {name}.",
                        code="bound_not_allowed",
                    )
                )
    if errors:
        return errors
    low_bound, high_bound = _filled_bounds(question)
    if low_bound is not None and high_bound is not None and low_bound > high_bound:
        errors.append(
            FieldError(
                location="body",
                field=f"{path}.max",
                message="max must not be below min.",
                code="bound_order",
            )
        )
    return errors


def _filled_bounds(question: Question) -> tuple[float | None, float | None]:
    """Bounds with the defaults of the type filled in, so that stored versions carry them."""
    if question.type is QuestionType.rating:
        low = DEFAULT_RATING_MIN if question.min is None else int(question.min)
        high = DEFAULT_RATING_MAX if question.max is None else int(question.max)
        return low, high
    if question.type is QuestionType.text:
        low_length = None if question.min is None else int(question.min)
        high_length = DEFAULT_TEXT_MAX_LENGTH if question.max is None else int(question.max)
        return low_length, high_length
    return question.min, question.max


def _choice_errors(index: int, question: Question) -> list[FieldError]:
    field = f"questions.{index}.choices"
    if question.type in CHOICE_TYPES:
        if not question.choices:
            message, code = "Choice questions need at least one choice.", "choices_required"
        elif len(set(question.choices)) != len(question.choices):
            message, code = "Each choice may appear only once.", "duplicate_choice"
        else:
            return []
    elif question.choices is not None:
        message = "Only single_choice and multiple_choice questions take choices."
        code = "choices_not_allowed"
    else:
        return []
    return [FieldError(location="body", field=field, message=message, code=code)]


def check_questions(questions: list[Question]) -> list[dict[str, Any]]:
    """Every rule across a version's questions at once; the questions as they are stored."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        if question.key in seen:
            errors.append(
                FieldError(
                    location="body",
                    field=f"questions.{index}.key",
                    message="Another question of this version has the same key.",
                    code="duplicate_key",
                )
            )
        seen.add(question.key)
        errors.extend(_choice_errors(index, question))
        errors.extend(_bound_errors(index, question))
    if errors:
        fields = ", ".join(dict.fromkeys(error.field for error in errors))
        raise ValidationFailed(f"The questions are invalid: {fields}.", errors=errors)
    stored = []
    for question in questions:
        low, high = _filled_bounds(question)
        stored.append(question.model_dump(mode="json") | {"min": low, "max": high})
    return stored


async def get_survey(session: AsyncSession, survey_id: uuid.UUID) -> Survey:
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.deleted_at is not None:
        raise SurveyNotFound(survey_id)
    return survey


async def get_version(session: AsyncSession, survey: Survey, version: int) -> SurveyVersion:
    found = await session.get(SurveyVersion, (survey.id, version))
    if found is None:
        raise SurveyVersionNotFound(survey.id, version)
    return found


def parse_version(survey: Survey, raw: str) -> int:
    """Version numbers in paths are like ids: anything that is not one is simply not found."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise SurveyVersionNotFound(survey.id)
    return int(raw)


async def latest_version(session: AsyncSession, survey: Survey) -> SurveyVersion:
    return await get_version(session, survey, survey.latest_version)


async def list_surveys(
    session: AsyncSession,
    page: PageRequest,
    *,
    title_contains: str | None = None,
    updated_since: datetime | None = None,
    include_deleted: bool = False,
) -> tuple[list[tuple[Survey, SurveyVersion]], str | None]:
    """A page of surveys, each with its latest version (two queries whatever the page size)."""
    statement = select(Survey)
    if title_contains:
        statement = statement.where(col(Survey.title).icontains(title_contains, autoescape=True))
    statement = sync_window(
        statement, Survey, updated_since=updated_since, include_deleted=include_deleted
    )
    rows = (await session.exec(keyset(statement, col(Survey.id), page))).all()
    surveys, next_key = cut_page(rows, page, lambda survey: survey.id)
    return await with_latest_versions(session, surveys), next_key


async def with_latest_versions(
    session: AsyncSession, surveys: list[Survey]
) -> list[tuple[Survey, SurveyVersion]]:
    """Each survey with its latest version, deleted surveys too; one query."""
    versions = await _latest_versions(session, surveys)
    return [(survey, versions[(survey.id, survey.latest_version)]) for survey in surveys]


async def _latest_versions(
    session: AsyncSession, surveys: list[Survey]
) -> dict[tuple[uuid.UUID, int], SurveyVersion]:
    # Tombstones are listed too, so this does not use survey_versions (live surveys only).
    if not surveys:
        return {}
    pairs = [(survey.id, survey.latest_version) for survey in surveys]
    rows = await session.exec(
        select(SurveyVersion).where(
            sa.tuple_(col(SurveyVersion.survey_id), col(SurveyVersion.version)).in_(pairs)
        )
    )
    return {(row.survey_id, row.version): row for row in rows.all()}


async def create_survey(session: AsyncSession, data: SurveyCreate) -> tuple[Survey, SurveyVersion]:
    questions = check_questions(data.questions)
    survey = Survey.model_validate(data.model_dump(exclude={"questions"}) | {"latest_version": 1})
    session.add(survey)
    await session.flush()
    version = SurveyVersion(survey_id=survey.id, version=1, questions=questions)
    session.add(version)
    await session.flush()
    return survey, version


async def update_survey(session: AsyncSession, survey: Survey, data: SurveyUpdate) -> Survey:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    survey.sqlmodel_update(changes)
    survey.updated_at = utcnow()
    session.add(survey)
    await session.flush()
    return survey


async def delete_survey(session: AsyncSession, survey: Survey) -> None:
    """Tombstone the survey; its versions stay, so feedback already received keeps its meaning."""
    now = utcnow()
    tombstone(survey, now)
    session.add(survey)
    await session.flush()


async def publish_version(
    session: AsyncSession, survey: Survey, questions: list[Question]
) -> SurveyVersion:
    """Publish the next version number; concurrent publishers each get their own number."""
    stored = check_questions(questions)
    now = utcnow()
    # One atomic increment: the row lock makes a concurrent publisher wait for the next number.
    bumped = await session.exec(
        sa.update(Survey)
        .where(col(Survey.id) == survey.id, col(Survey.deleted_at).is_(None))
        .values(latest_version=col(Survey.latest_version) + 1, updated_at=now)
        .returning(col(Survey.latest_version))
        .execution_options(synchronize_session=False)
    )
    number = bumped.scalar_one_or_none()
    if number is None:
        raise SurveyNotFound(survey.id)
    version = SurveyVersion(survey_id=survey.id, version=number, questions=stored, published_at=now)
    try:
        async with session.begin_nested():
            session.add(version)
    except IntegrityError as exc:
        raise VersionPublishedMeanwhile from exc
    # The row already holds these values; recording them as loaded avoids a second UPDATE.
    set_committed_value(survey, "latest_version", number)
    set_committed_value(survey, "updated_at", now)
    return version


async def list_versions(
    session: AsyncSession, survey: Survey, page: PageRequest
) -> tuple[list[SurveyVersion], str | None]:
    statement = select(SurveyVersion).where(col(SurveyVersion.survey_id) == survey.id)
    rows = (await session.exec(keyset(statement, col(SurveyVersion.version), page))).all()
    return cut_page(rows, page, lambda version: version.version)
