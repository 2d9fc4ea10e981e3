"""Checking feedback answers against the questions of the survey version they name."""

import math
import uuid
from datetime import date
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.errors import FieldError
from sofifi_api.schemas import UNSTORABLE_TEXT, is_storable
from sofifi_api.surveys.models import Survey, SurveyVersion

# Bounds a question leaves open; they keep every stored answer small and finite.
DEFAULT_RATING_MIN = 1
DEFAULT_RATING_MAX = 5
DEFAULT_TEXT_MAX_LENGTH = 2000
MAX_ANSWER_KEY_LENGTH = 64


def _error(key: str, message: str, code: str) -> FieldError:
    return FieldError(location="body", field=f"answers.{key}", message=message, code=code)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds_message(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"must be between {low} and {high}"
    if low is not None:
        return f"must be at least {low}"
    return f"must be at most {high}"


def _check_range(key: str, value: float, low: Any, high: Any, what: str) -> FieldError | None:
    if (low is not None and value < low) or (high is not None and value > high):
        return _error(key, f"The {what} {_bounds_message(low, high)}.", "out_of_range")
    return None


def _check_answer(question: dict[str, Any], value: Any) -> FieldError | None:
    """One answer against its question; None when it fits."""
    key = str(question["key"])
    kind = question.get("type")
    low, high = question.get("min"), question.get("max")
    if kind == "rating":
        if isinstance(value, bool) or not isinstance(value, int):
            return _error(key, "A rating answer must be a whole number.", "wrong_type")
        low = DEFAULT_RATING_MIN if low is None else low
        high = DEFAULT_RATING_MAX if high is None else high
        return _check_range(key, value, low, high, "rating")
    if kind == "number":
        if not _is_number(value) or not math.isfinite(value):
            return _error(key, "A number answer must be a finite number.", "wrong_type")
        return _check_range(key, value, low, high, "number")
    if kind == "text":
        if not isinstance(value, str):
            return _error(key, "A text answer must be a string.", "wrong_type")
        if not is_storable(value):
            return _error(key, f"A text answer {UNSTORABLE_TEXT}.", "invalid")
        high = DEFAULT_TEXT_MAX_LENGTH if high is None else high
        return _check_range(key, len(value), low, high, "text length")
    if kind == "yes_no":
        if not isinstance(value, bool):
            return _error(key, "A yes/no answer must be true or false.", "wrong_type")
        return None
    if kind == "date":
        if not isinstance(value, str) or len(value) != 10:
            return _error(key, "A date answer must be a YYYY-MM-DD string.", "wrong_type")
        try:
            date.fromisoformat(value)
        except ValueError:
            return _error(key, "A date answer must be a valid YYYY-MM-DD date.", "wrong_type")
        return None
    choices = question.get("choices") or []
    if kind == "single_choice":
        if not isinstance(value, str):
            return _error(
                key, "A single-choice answer must be one choice (a string).", "wrong_type"
            )
        if value not in choices:
            return _error(key, "The answer is not one of the question's choices.", "not_a_choice")
        return None
    if kind == "multiple_choice":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return _error(
                key, "A multiple-choice answer must be a list of choices (strings).", "wrong_type"
            )
        if any(item not in choices for item in value):
            return _error(
                key, "The answer names a value that is not one of the choices.", "not_a_choice"
            )
        if len(set(value)) != len(value):
            return _error(key, "The answer names a choice more than once.", "duplicate_choice")
        if question.get("required") and not value:
            return _error(key, "This question requires at least one choice.", "missing_answer")
        return None
    return _error(key, "The question has a type this service does not know.", "unknown_type")


def validate_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> list[FieldError]:
    """Every problem of `answers` (`{question_key: value}`) against a version's questions.

    An answer of null counts as no answer. Errors are named `answers.<question_key>` and never
    repeat the submitted value; they come in question order, then unknown keys in sent order.
    """
    errors: list[FieldError] = []
    known = {str(question["key"]) for question in questions}
    for question in questions:
        key = str(question["key"])
        value = answers.get(key)
        if value is None:
            if question.get("required"):
                errors.append(_error(key, "This question requires an answer.", "missing_answer"))
            continue
        error = _check_answer(question, value)
        if error is not None:
            errors.append(error)
    for key in answers:
        if key not in known:
            # An unknown key is cut short: it is the client's text, not a question of ours.
            shown = str(key)[:MAX_ANSWER_KEY_LENGTH]
            errors.append(
                _error(
                    shown, "No question of this survey version has this key.", "unknown_question"
                )
            )
    return errors


async def get_survey_version(
    session: AsyncSession, survey_id: uuid.UUID, version: int
) -> SurveyVersion | None:
    """The published version of a live (not deleted) survey, or None."""
    statement = (
        select(SurveyVersion)
        .join(Survey, col(Survey.id) == col(SurveyVersion.survey_id))
        .where(
            col(SurveyVersion.survey_id) == survey_id,
            col(SurveyVersion.version) == version,
            col(Survey.deleted_at).is_(None),
        )
    )
    return (await session.exec(statement)).first()


async def survey_versions(
    session: AsyncSession, pairs: set[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], SurveyVersion]:
    """Many published versions of live surveys in one query; absent pairs are simply missing."""
    if not pairs:
        return {}
    statement = (
        select(SurveyVersion)
        .join(Survey, col(Survey.id) == col(SurveyVersion.survey_id))
        .where(
            tuple_(col(SurveyVersion.survey_id), col(SurveyVersion.version)).in_(list(pairs)),
            col(Survey.deleted_at).is_(None),
        )
    )
    rows = (await session.exec(statement)).all()
    return {(row.survey_id, row.version): row for row in rows}
