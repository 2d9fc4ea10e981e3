"""Surveys: versioned forms whose answers feedback carries."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import StrictFloat, StrictInt
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable, UTCDateTime, utcnow
from sofifi_api.schemas import Boolean, InputModel, NotNull, ResourcePublic, StorableText

MAX_QUESTIONS = 200
MAX_CHOICES = 100
# Largest magnitude a `number` bound may have: exact in a double, far beyond any count or amount.
MAX_BOUND = 1e15


class QuestionType(StrEnum):
    """How a question is answered."""

    rating = "rating"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    number = "number"
    text = "text"
    yes_no = "yes_no"
    date = "date"


Text = StorableText
Choice = Annotated[Text, Field(min_length=1, max_length=200)]
Bound = (
    Annotated[StrictInt, Field(ge=-MAX_BOUND, le=MAX_BOUND)]
    | Annotated[StrictFloat, Field(ge=-MAX_BOUND, le=MAX_BOUND)]
)


class Question(InputModel):
    """One question of a survey version; answers are sent as `{key: value}`."""

    key: str = Field(
        min_length=1,
        max_length=64,
        description="Identifier of the question, unique within its version: lower-case "
        "snake_case starting with a letter. Feedback answers are keyed by it.",
        schema_extra={"pattern": "^[a-z][a-z0-9_]*$", "examples": ["overall_satisfaction"]},
    )
    type: QuestionType = Field(
        description="How the question is answered. Answers must be: `rating` a whole number "
        "within min..max (default 1..5); `number` a number within min..max if given; `text` a "
        "string whose length is within min..max (max defaults to 2000); `yes_no` true or false; "
        "`date` a `YYYY-MM-DD` string; `single_choice` one of `choices`; `multiple_choice` a "
        "list of distinct `choices`.",
        schema_extra={"examples": ["rating"]},
    )
    label: Text = Field(
        min_length=1,
        max_length=500,
        description="The question as shown to the respondent.",
        schema_extra={"examples": ["Seberapa puas Anda dengan pelatihan anyaman bambu?"]},
    )
    help: Text | None = Field(
        default=None,
        max_length=1000,
        description="Extra guidance shown with the question.",
        schema_extra={"examples": ["1 = sangat tidak puas, 5 = sangat puas"]},
    )
    required: Boolean = Field(
        default=False,
        description="Whether feedback on this version must answer the question.",
        schema_extra={"examples": [True]},
    )
    choices: list[Choice] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_CHOICES,
        description="The values a respondent picks from; required (distinct, non-empty) for "
        "`single_choice` and `multiple_choice`, refused for other types.",
        schema_extra={"examples": [["anyaman_bambu", "pertanian_organik", "manajemen_usaha"]]},
    )
    min: Bound | None = Field(
        default=None,
        description="Lower bound: the smallest `number` or `rating` (a whole number from 0 to "
        "100, default 1), or the shortest `text` in characters (0 to 10000). Refused for "
        "other types; stored with its default filled in.",
        schema_extra={"examples": [1]},
    )
    max: Bound | None = Field(
        default=None,
        description="Upper bound: the largest `number` or `rating` (a whole number from 0 to "
        "100, default 5), or the longest `text` in characters (1 to 10000, default 2000). "
        "Must not be below `min`. Refused for other types; stored with its default filled in.",
        schema_extra={"examples": [5]},
    )


Questions = Annotated[
    list[Question],
    Field(
        min_length=1,
        max_length=MAX_QUESTIONS,
        description=f"The questions, in the order they are asked (1 to {MAX_QUESTIONS}).",
        schema_extra={
            "examples": [
                [
                    {
                        "key": "overall_satisfaction",
                        "type": "rating",
                        "label": "Seberapa puas Anda dengan pelatihan ini?",
                        "required": True,
                    },
                    {
                        "key": "skill_learned",
                        "type": "single_choice",
                        "label": "Keterampilan apa yang paling bermanfaat?",
                        "choices": ["anyaman_bambu", "pertanian_organik", "manajemen_usaha"],
                    },
                ]
            ]
        },
    ),
]


class SurveyBase(SQLModel):
    """Fields a survey is created with, apart from its questions."""

    title: Text = Field(
        min_length=1,
        max_length=200,
        description="Name of the survey.",
        schema_extra={"examples": ["Kepuasan peserta pelatihan anyaman bambu 2026"]},
    )
    description: Text | None = Field(
        default=None,
        max_length=2000,
        description="What the survey asks about and who answers it.",
        schema_extra={
            "examples": ["Ditanyakan kepada peserta di Desa Guraping setelah pelatihan."]
        },
    )


class Survey(SurveyBase, TimestampedTable, table=True):
    """A form; its questions live in immutable versions."""

    __tablename__ = "surveys"

    latest_version: int = Field(default=1)


class SurveyVersion(SQLModel, table=True):
    """One published version of a survey's questions; never changed once published."""

    __tablename__ = "survey_versions"

    survey_id: uuid.UUID = Field(foreign_key="surveys.id", primary_key=True)
    version: int = Field(primary_key=True)
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class SurveyCreate(SurveyBase, InputModel):
    """A new survey with the questions of its version 1."""

    questions: Questions


class SurveyUpdate(InputModel):
    """Changes to a survey's title or description; questions change only by a new version."""

    title: NotNull[Text] = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the survey.",
        schema_extra={"examples": ["Kepuasan peserta pelatihan anyaman bambu 2026"]},
    )
    description: Text | None = Field(
        default=None,
        max_length=2000,
        description="What the survey asks about; null clears it.",
        schema_extra={"examples": ["Ditanyakan kepada peserta setelah pelatihan selesai."]},
    )


class SurveyVersionCreate(InputModel):
    """The questions of the next version of a survey."""

    questions: Questions


class SurveyVersionPublic(SQLModel):
    """A published version of a survey: its questions never change."""

    survey_id: uuid.UUID = Field(
        description="The survey this version belongs to.",
        schema_extra={"examples": ["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"]},
    )
    version: int = Field(
        ge=1,
        description="Version number, counting from 1 without gaps.",
        schema_extra={"examples": [2]},
    )
    questions: list[Question] = Field(
        description="The questions of this version, in order, with default bounds filled in.",
        schema_extra={
            "examples": [
                [
                    {
                        "key": "overall_satisfaction",
                        "type": "rating",
                        "label": "Seberapa puas Anda dengan pelatihan ini?",
                        "help": None,
                        "required": True,
                        "choices": None,
                        "min": 1,
                        "max": 5,
                    }
                ]
            ]
        },
    )
    published_at: datetime = Field(
        description="When the version was published (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-03-02T01:15:00Z"]},
    )


class SurveyPublic(SurveyBase, ResourcePublic):
    """A survey as the service returns it, with the questions of its latest version."""

    latest_version: int = Field(
        ge=1,
        description="Number of the newest published version; feedback may name any version.",
        schema_extra={"examples": [2]},
    )
    versions: list[int] = Field(
        description="Numbers of every published version, oldest first.",
        schema_extra={"examples": [[1, 2]]},
    )
    questions: list[Question] = Field(
        description="The questions of the latest version, in order.",
        schema_extra={
            "examples": [
                [
                    {
                        "key": "overall_satisfaction",
                        "type": "rating",
                        "label": "Seberapa puas Anda dengan pelatihan ini?",
                        "help": None,
                        "required": True,
                        "choices": None,
                        "min": 1,
                        "max": 5,
                    }
                ]
            ]
        },
    )

    @classmethod
    def of(cls, survey: Survey, latest: SurveyVersion) -> "SurveyPublic":
        return cls.model_validate(
            {
                **survey.model_dump(),
                "versions": list(range(1, survey.latest_version + 1)),
                "questions": latest.questions,
            }
        )
