"""Review of feedback before it counts: a reviewer's verdict on the feedback, and its history."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import UTCDateTime, new_id, utcnow
from sofifi_api.feedback.models import Feedback, ReviewStatus
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.schemas import InputModel, StorableText

MAX_NOTE_LENGTH = 2000


class FeedbackReview(SQLModel, table=True):
    """One setting of a feedback's review status: who set it, when, from what, to what."""

    __tablename__ = "feedback_reviews"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    feedback_id: uuid.UUID = Field(foreign_key="feedback.id", index=True)
    from_status: ReviewStatus = Field(sa_type=sa.String(16))
    to_status: ReviewStatus = Field(sa_type=sa.String(16))
    note: str | None = Field(default=None, max_length=MAX_NOTE_LENGTH)
    # The reviewing API client (no foreign key: the history outlives clients).
    client_id: uuid.UUID
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class FeedbackReviewCreate(InputModel):
    """A reviewer's verdict on feedback: its new review status and why."""

    review_status: ReviewStatus = Field(
        description="`approved`: fit to count in statistics; `has_issues`: needs a correction "
        "or a second look; `rejected`: not to be counted; `received`: reopened, as if not "
        "reviewed yet. Any status may follow any other, the current one included (a new note).",
        schema_extra={"examples": ["approved"]},
    )
    note: StorableText | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NOTE_LENGTH,
        description="Why, in the reviewer's words; kept in the review history. Write about the "
        "submission, not about the person who gave it: no NIK, phone number or birth date.",
        schema_extra={"examples": ["Jawaban sesuai dengan berita acara musyawarah."]},
    )


class FeedbackReviewPublic(SQLModel):
    """One setting of a feedback's review status, as the history lists it."""

    id: uuid.UUID = Field(
        description="Server-assigned opaque identifier of this review (time-ordered UUID).",
        schema_extra={"examples": ["0195f3c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f"]},
    )
    feedback_id: uuid.UUID = Field(
        description="The feedback reviewed.",
        schema_extra={"examples": ["0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01"]},
    )
    from_status: ReviewStatus = Field(
        description="The review status before this review.",
        schema_extra={"examples": ["received"]},
    )
    to_status: ReviewStatus = Field(
        description="The review status this review set.",
        schema_extra={"examples": ["approved"]},
    )
    note: str | None = Field(
        default=None,
        description="The reviewer's note; null when none was given.",
        schema_extra={"examples": ["Jawaban sesuai dengan berita acara musyawarah."]},
    )
    client_id: uuid.UUID = Field(
        description="Id of the API client that reviewed.",
        schema_extra={"examples": ["0195f3c1-5d2e-7a10-9b21-4c3d5e6f7a80"]},
    )
    created_at: datetime = Field(
        description="When the review was made (RFC 3339, UTC).",
        schema_extra={"examples": ["2026-05-04T02:10:00Z"]},
    )


async def review_feedback(
    session: AsyncSession, feedback: Feedback, data: FeedbackReviewCreate, *, client_id: uuid.UUID
) -> Feedback:
    """Sets the review status and records the review in the history."""
    # The row stays locked until the request ends, so that each review's `from_status` is the
    # status the previous review set, however many reviewers act at once.
    await session.refresh(feedback, with_for_update=True)
    now = utcnow()
    session.add(
        FeedbackReview(
            feedback_id=feedback.id,
            from_status=feedback.review_status,
            to_status=data.review_status,
            note=data.note,
            client_id=client_id,
            created_at=now,
        )
    )
    feedback.review_status = data.review_status
    feedback.reviewed_at = now
    feedback.reviewed_by = client_id
    feedback.updated_at = now
    session.add(feedback)
    await session.flush()
    return feedback


async def list_reviews(
    session: AsyncSession, feedback: Feedback, page: PageRequest
) -> tuple[list[FeedbackReview], str | None]:
    """A page of the feedback's reviews, oldest first (ids are time-ordered)."""
    statement = select(FeedbackReview).where(col(FeedbackReview.feedback_id) == feedback.id)
    rows = (await session.exec(keyset(statement, col(FeedbackReview.id), page))).all()
    return cut_page(rows, page, lambda review: review.id)
