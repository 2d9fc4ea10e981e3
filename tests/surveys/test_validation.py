import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import utcnow
from sofifi_api.errors import FieldError
from sofifi_api.surveys.models import Survey, SurveyVersion
from sofifi_api.surveys.validation import get_survey_version, survey_versions, validate_answers
from tests.conftest import QueryCounter

QUESTIONS: list[dict[str, Any]] = [
    {"key": "overall", "type": "rating", "label": "Overall", "required": True},
    {"key": "household_size", "type": "number", "label": "People", "min": 1, "max": 30},
    {"key": "comment", "type": "text", "label": "Comment", "max": 20},
    {"key": "would_join_again", "type": "yes_no", "label": "Again?"},
    {"key": "visited_on", "type": "date", "label": "Visit date"},
    {"key": "skill", "type": "single_choice", "label": "Skill", "choices": ["weaving", "farming"]},
    {
        "key": "needs",
        "type": "multiple_choice",
        "label": "Needs",
        "choices": ["capital", "training", "market"],
    },
]


def codes(errors: list[FieldError]) -> list[tuple[str, str]]:
    return [(error.field, error.code) for error in errors]


def test_complete_valid_answers_have_no_errors() -> None:
    answers = {
        "overall": 4,
        "household_size": 5.5,
        "comment": "Bagus sekali",
        "would_join_again": True,
        "visited_on": "2026-03-02",
        "skill": "weaving",
        "needs": ["capital", "market"],
    }

    assert validate_answers(QUESTIONS, answers) == []


def test_optional_questions_may_be_left_out() -> None:
    assert validate_answers(QUESTIONS, {"overall": 5}) == []


def test_missing_required_answer_is_named() -> None:
    assert codes(validate_answers(QUESTIONS, {})) == [("answers.overall", "missing_answer")]


def test_null_counts_as_missing() -> None:
    assert codes(validate_answers(QUESTIONS, {"overall": None})) == [
        ("answers.overall", "missing_answer")
    ]


def test_unknown_question_key_is_named() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "favourite_colour": "blue"})

    assert codes(errors) == [("answers.favourite_colour", "unknown_question")]


def test_rating_must_be_an_integer() -> None:
    assert codes(validate_answers(QUESTIONS, {"overall": 3.5})) == [
        ("answers.overall", "wrong_type")
    ]


def test_rating_refuses_booleans() -> None:
    assert codes(validate_answers(QUESTIONS, {"overall": True})) == [
        ("answers.overall", "wrong_type")
    ]


def test_rating_defaults_to_one_to_five() -> None:
    assert codes(validate_answers(QUESTIONS, {"overall": 6})) == [
        ("answers.overall", "out_of_range")
    ]


def test_rating_honours_its_own_scale() -> None:
    questions = [{"key": "nps", "type": "rating", "label": "NPS", "min": 0, "max": 10}]

    assert validate_answers(questions, {"nps": 0}) == []
    assert codes(validate_answers(questions, {"nps": 11})) == [("answers.nps", "out_of_range")]


def test_number_refuses_strings() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "household_size": "5"})

    assert codes(errors) == [("answers.household_size", "wrong_type")]


def test_number_refuses_booleans() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "household_size": True})

    assert codes(errors) == [("answers.household_size", "wrong_type")]


def test_number_outside_bounds_is_out_of_range() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "household_size": 31})

    assert codes(errors) == [("answers.household_size", "out_of_range")]


def test_text_must_be_a_string() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "comment": 12})

    assert codes(errors) == [("answers.comment", "wrong_type")]


def test_text_longer_than_max_is_out_of_range() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "comment": "x" * 21})

    assert codes(errors) == [("answers.comment", "out_of_range")]


def test_text_without_max_is_limited_to_default_length() -> None:
    questions = [{"key": "story", "type": "text", "label": "Story"}]

    assert codes(validate_answers(questions, {"story": "x" * 2001})) == [
        ("answers.story", "out_of_range")
    ]


def test_yes_no_must_be_boolean() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "would_join_again": "yes"})

    assert codes(errors) == [("answers.would_join_again", "wrong_type")]


def test_date_must_be_iso_date() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "visited_on": "02/03/2026"})

    assert codes(errors) == [("answers.visited_on", "wrong_type")]


def test_date_must_exist_in_the_calendar() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "visited_on": "2026-02-30"})

    assert codes(errors) == [("answers.visited_on", "wrong_type")]


def test_single_choice_outside_choices_is_refused() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "skill": "fishing"})

    assert codes(errors) == [("answers.skill", "not_a_choice")]


def test_single_choice_must_be_a_string() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "skill": ["weaving"]})

    assert codes(errors) == [("answers.skill", "wrong_type")]


def test_multiple_choice_must_be_a_list() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "needs": "capital"})

    assert codes(errors) == [("answers.needs", "wrong_type")]


def test_multiple_choice_outside_choices_is_refused() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "needs": ["capital", "boats"]})

    assert codes(errors) == [("answers.needs", "not_a_choice")]


def test_multiple_choice_repeating_a_choice_is_refused() -> None:
    errors = validate_answers(QUESTIONS, {"overall": 3, "needs": ["capital", "capital"]})

    assert codes(errors) == [("answers.needs", "duplicate_choice")]


def test_required_multiple_choice_needs_one_choice() -> None:
    questions = [
        {
            "key": "needs",
            "type": "multiple_choice",
            "label": "N",
            "required": True,
            "choices": ["a"],
        }
    ]

    assert codes(validate_answers(questions, {"needs": []})) == [
        ("answers.needs", "missing_answer")
    ]


def test_every_error_is_reported_at_once() -> None:
    errors = validate_answers(QUESTIONS, {"household_size": 0, "skill": "fishing", "extra": 1})

    assert codes(errors) == [
        ("answers.overall", "missing_answer"),
        ("answers.household_size", "out_of_range"),
        ("answers.skill", "not_a_choice"),
        ("answers.extra", "unknown_question"),
    ]


def test_messages_never_echo_the_submitted_value() -> None:
    secret = "7271012345678901"
    errors = validate_answers(
        QUESTIONS, {"overall": secret, "comment": secret * 5, "skill": secret, "needs": [secret]}
    )

    assert len(errors) == 4
    assert all(secret not in error.message for error in errors)


def test_errors_are_located_in_the_body() -> None:
    errors = validate_answers(QUESTIONS, {})

    assert errors[0].location == "body"


async def store_survey(
    session: AsyncSession, *, versions: int = 1, deleted: bool = False
) -> Survey:
    survey = Survey(title="Kepuasan pelatihan", latest_version=versions)
    if deleted:
        survey.deleted_at = utcnow()
    session.add(survey)
    await session.flush()
    for number in range(1, versions + 1):
        questions = [{"key": f"q{number}", "type": "yes_no", "label": "Q", "required": False}]
        session.add(SurveyVersion(survey_id=survey.id, version=number, questions=questions))
    await session.flush()
    return survey


async def test_get_survey_version_finds_a_published_version(session: AsyncSession) -> None:
    survey = await store_survey(session, versions=2)

    found = await get_survey_version(session, survey.id, 2)

    assert found is not None
    assert found.questions[0]["key"] == "q2"


async def test_get_survey_version_of_unpublished_number_is_none(session: AsyncSession) -> None:
    survey = await store_survey(session)

    assert await get_survey_version(session, survey.id, 2) is None


async def test_get_survey_version_of_deleted_survey_is_none(session: AsyncSession) -> None:
    survey = await store_survey(session, deleted=True)

    assert await get_survey_version(session, survey.id, 1) is None


async def test_survey_versions_loads_many_pairs(session: AsyncSession) -> None:
    first = await store_survey(session, versions=2)
    second = await store_survey(session)
    wanted = {(first.id, 1), (first.id, 2), (second.id, 1), (second.id, 9), (uuid.uuid4(), 1)}

    found = await survey_versions(session, wanted)

    assert set(found) == {(first.id, 1), (first.id, 2), (second.id, 1)}
    assert found[(first.id, 2)].questions[0]["key"] == "q2"


async def test_survey_versions_skips_deleted_surveys(session: AsyncSession) -> None:
    survey = await store_survey(session, deleted=True)

    assert await survey_versions(session, {(survey.id, 1)}) == {}


async def test_survey_versions_of_nothing_is_empty(session: AsyncSession) -> None:
    assert await survey_versions(session, set()) == {}


async def test_survey_versions_issues_one_query(
    session: AsyncSession, count_queries: QueryCounter
) -> None:
    surveys = [await store_survey(session, versions=2) for _ in range(3)]
    wanted = {(survey.id, number) for survey in surveys for number in (1, 2)}
    count_queries.count = 0

    found = await survey_versions(session, wanted)

    assert len(found) == 6
    assert count_queries.count == 1
