import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
    create_model,
)
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from sofifi_api.db import TimestampedTable, UTCDateTime, utcnow
from sofifi_api.errors import FieldError
from sofifi_api.schemas import InputModel, Instant, Integer, NotNull, ResourcePublic, StorableText


class FeedbackStatus(StrEnum):
    """How far the feedback has been handled: `new`, `acknowledged`, `resolved`."""

    new = "new"
    acknowledged = "acknowledged"
    resolved = "resolved"


class ReviewStatus(StrEnum):
    """Whether a reviewer found the feedback fit to count: `received` (not reviewed yet, or
    reopened), `approved`, `has_issues`, `rejected`."""

    received = "received"
    approved = "approved"
    has_issues = "has_issues"
    rejected = "rejected"


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must contain printable characters only")
    return value


PrintableRef = Annotated[str, AfterValidator(_printable)]
Text = StorableText


class FeedbackBase(SQLModel):
    program_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="programs.id",
        index=True,
        description="The program this feedback is about. Exactly one of `program_id` and "
        "`infrastructure_project_id` is set.",
        schema_extra={"examples": ["0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01"]},
    )
    infrastructure_project_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="infrastructure_projects.id",
        index=True,
        description="The infrastructure project this feedback is about. Exactly one of "
        "`program_id` and `infrastructure_project_id` is set.",
        schema_extra={"examples": [None]},
    )
    rating: Integer | None = Field(
        default=None,
        ge=1,
        le=5,
        description="Satisfaction from 1 (very poor) to 5 (very good). A rating, a comment "
        "or both must be given.",
        schema_extra={"examples": [4]},
    )
    comment: Text | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Free text from the person giving feedback. A rating, a comment or both "
        "must be given.",
        schema_extra={
            "examples": ["Pelatihan anyaman bambu sangat bermanfaat, tetapi bahan baku kurang."]
        },
    )
    area_code: str | None = Field(
        default=None,
        foreign_key="areas.code",
        max_length=40,
        index=True,
        description="Code of the area where the feedback was collected.",
        schema_extra={"examples": ["82.72.02.1003"]},
    )
    submitted_at: datetime = Field(
        sa_type=UTCDateTime,
        description="When the device recorded the feedback, by the device's own clock "
        "(RFC 3339, UTC).",
        schema_extra={"examples": ["2026-05-01T03:00:00Z"]},
    )
    client_ref: PrintableRef | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        index=True,
        description="The submitting app's own reference for this feedback, so that it can "
        "find its submission again (`GET /v1/feedback?client_ref=...`).",
        schema_extra={"examples": ["oba-survey-tab-07/2026-05-01/0042"]},
    )


class Feedback(FeedbackBase, TimestampedTable, table=True):
    """A rating or comment about exactly one program or one infrastructure project."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint(
            "(program_id IS NULL) <> (infrastructure_project_id IS NULL)", name="one_subject"
        ),
        # The same client_ref from the same client is the same submission, even if deleted.
        sa.Index(
            "uq_feedback_client_ref",
            "client_id",
            "client_ref",
            unique=True,
            sqlite_where=sa.text("client_ref IS NOT NULL"),
            postgresql_where=sa.text("client_ref IS NOT NULL"),
        ),
    )

    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The API client that submitted it (no foreign key: feedback outlives clients).
    client_id: uuid.UUID | None = Field(default=None, index=True)
    survey_id: uuid.UUID | None = Field(default=None, foreign_key="surveys.id", index=True)
    survey_version: Integer | None = None
    answers: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    status: FeedbackStatus = Field(default=FeedbackStatus.new, sa_type=sa.String(16), index=True)
    response_note: str | None = Field(default=None, max_length=5000)
    review_status: ReviewStatus = Field(
        default=ReviewStatus.received,
        sa_type=sa.String(16),
        sa_column_kwargs={"server_default": ReviewStatus.received.value},
        index=True,
    )
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The API client that set the review status last (no foreign key: feedback outlives clients).
    reviewed_by: uuid.UUID | None = Field(default=None)


# Largest survey version and answer count a submission may name; keeps values in an Integer column.
MAX_SURVEY_VERSION = 2**31 - 1
MAX_ANSWERS = 500
AnswerKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class SurveyAnswerFields(SQLModel):
    """The survey a submission answers, and its answers."""

    survey_id: uuid.UUID | None = Field(
        default=None,
        description="The survey whose questions `answers` answers. Given together with "
        "`survey_version` and `answers`.",
        schema_extra={"examples": ["0195f3b0-4a1c-7d22-8e31-5c2b7d9e0f12"]},
    )
    survey_version: Integer | None = Field(
        default=None,
        ge=1,
        le=MAX_SURVEY_VERSION,
        description="The published version of the survey the device showed. Given together "
        "with `survey_id` and `answers`.",
        schema_extra={"examples": [2]},
    )
    answers: dict[AnswerKey, Any] | None = Field(
        default=None,
        max_length=MAX_ANSWERS,
        description="Answers as `{question_key: value}`, checked against the questions of "
        "`survey_id` at `survey_version`: a whole number for `rating`, a number for `number`, "
        "a string for `text` and `single_choice`, a list of strings for `multiple_choice`, "
        "true/false for `yes_no`, `YYYY-MM-DD` for `date`; null or absent is no answer. Each "
        "refused answer is reported as `answers.<question_key>`.",
        schema_extra={
            "examples": [
                {
                    "kepuasan": 4,
                    "manfaat_utama": "pendapatan",
                    "saran": "Tambah pasokan bambu.",
                    "ikut_lagi": True,
                }
            ]
        },
    )


class FeedbackCreate(FeedbackBase, SurveyAnswerFields, InputModel):
    """A rating, a comment, survey answers or any of them about exactly one program or one
    infrastructure project."""

    submitted_at: Instant = Field(
        description="When the device recorded the feedback, by the device's own clock: "
        "RFC 3339 with a UTC offset (a timestamp without one is refused). Stored and returned "
        "in UTC. At most 10 minutes ahead of the server's clock.",
        schema_extra={"examples": ["2026-05-01T12:00:00+09:00"]},
    )


if TYPE_CHECKING:
    FeedbackItem = FeedbackCreate
else:
    # A batch item: the fields and rules of FeedbackCreate on a plain pydantic model, which
    # validates a thousand items in half the time SQLModel's own __init__ takes.
    FeedbackItem = create_model(
        "FeedbackItem",
        __config__=ConfigDict(extra="forbid"),
        __doc__=FeedbackCreate.__doc__,
        **{name: (info.annotation, info) for name, info in FeedbackCreate.model_fields.items()},
    )


class FeedbackUpdate(InputModel):
    """Only the handling of feedback changes; what was submitted is kept as it came."""

    status: NotNull[FeedbackStatus] = Field(
        default=None,
        description="`new` → `acknowledged` → `resolved` (or `new` → `resolved` directly); "
        "never backwards.",
        schema_extra={"examples": ["acknowledged"]},
    )
    response_note: Text | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="The answer or action taken, visible to whoever reads the feedback; "
        "null clears it.",
        schema_extra={"examples": ["Dinas akan menambah pasokan bambu mulai Juni."]},
    )


class FeedbackPublic(FeedbackBase, SurveyAnswerFields, ResourcePublic):
    """Feedback as submitted, with its arrival time and how it has been handled."""

    received_at: datetime = Field(
        description="When the server received the feedback (RFC 3339, UTC); set by the server.",
        schema_extra={"examples": ["2026-05-03T07:21:09Z"]},
    )
    status: FeedbackStatus = Field(
        description="`new` on arrival, then `acknowledged` and `resolved` as it is handled.",
        schema_extra={"examples": ["new"]},
    )
    response_note: str | None = Field(
        default=None,
        description="The answer or action taken; null until someone responds.",
        schema_extra={"examples": [None]},
    )
    review_status: ReviewStatus = Field(
        description="Whether a reviewer found the feedback fit to count: `received` on arrival "
        "(and when a reviewer reopens it), then `approved`, `has_issues` or `rejected`. "
        "Statistics count only `approved` feedback unless asked otherwise. Set with "
        "`POST /v1/feedback/{feedback_id}/review`.",
        schema_extra={"examples": ["approved"]},
    )
    reviewed_at: datetime | None = Field(
        default=None,
        description="When the review status was last set (RFC 3339, UTC); null until a "
        "reviewer acts.",
        schema_extra={"examples": ["2026-05-04T02:10:00Z"]},
    )
    reviewed_by: uuid.UUID | None = Field(
        default=None,
        description="Id of the API client that last set the review status; null until a "
        "reviewer acts.",
        schema_extra={"examples": ["0195f3c1-5d2e-7a10-9b21-4c3d5e6f7a80"]},
    )


class BatchItemStatus(StrEnum):
    """What became of one item of a batch: `created`, `duplicate` or `invalid`."""

    created = "created"
    duplicate = "duplicate"
    invalid = "invalid"


class FeedbackBatchItemResult(BaseModel):
    """What became of one submitted item, at the same position as the item."""

    index: int = PydanticField(
        description="Position of the item in the submitted array, from 0.",
        examples=[0],
    )
    client_ref: str | None = PydanticField(
        default=None,
        description="The item's `client_ref` as sent, if it was a string; null otherwise.",
        examples=["oba-survey-tab-07/2026-05-01/0042"],
    )
    status: BatchItemStatus = PydanticField(
        description="`created`: stored now; `duplicate`: this client already submitted this "
        "`client_ref` (earlier, or earlier in this batch) and nothing new was stored; "
        "`invalid`: refused for the reasons in `errors`, nothing stored.",
        examples=["created"],
    )
    id: uuid.UUID | None = PydanticField(
        default=None,
        description="Id of the stored feedback: the new one, or for a duplicate the one stored "
        "before; null for an invalid item.",
        examples=["0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01"],
    )
    errors: list[FieldError] = PydanticField(
        default_factory=list,
        description="Why an invalid item was refused, the same errors `POST /v1/feedback` "
        "would report (fields relative to the item); empty otherwise.",
        examples=[
            [
                {
                    "location": "body",
                    "field": "answers.kepuasan",
                    "message": "The rating must be between 1 and 5.",
                    "code": "out_of_range",
                }
            ]
        ],
    )


class FeedbackBatchResult(BaseModel):
    """One result per submitted item, in the order the items were sent."""

    results: list[FeedbackBatchItemResult] = PydanticField(
        description="One entry per submitted item, in order.",
        examples=[
            [
                {
                    "index": 0,
                    "client_ref": "oba-tab-07/0042",
                    "status": "created",
                    "id": "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01",
                    "errors": [],
                }
            ]
        ],
    )
