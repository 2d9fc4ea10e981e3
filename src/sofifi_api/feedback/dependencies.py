import uuid
from typing import Annotated

from fastapi import Depends, Path, Query

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep
from sofifi_api.feedback.models import Feedback, FeedbackStatus, ReviewStatus
from sofifi_api.feedback.service import FeedbackFilters, FeedbackNotFound, get_feedback
from sofifi_api.schemas import IncludeDeletedQuery, Instant, UpdatedSinceQuery, parse_id


async def feedback_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    feedback_id: Annotated[str, Path(max_length=64, description="The feedback's id.")],
) -> Feedback:
    """Live feedback named in the path; feedback outside the client's areas is reported missing."""
    parsed = parse_id(feedback_id)
    if parsed is None:
        raise FeedbackNotFound(feedback_id)
    return await get_feedback(session, parsed, areas=principal.areas)


FeedbackDep = Annotated[Feedback, Depends(feedback_from_path)]

_ONE_REVIEW_STATUS = "|".join(ReviewStatus)
# One review status or several, comma-separated, each named once or more.
REVIEW_STATUSES_PATTERN = rf"^({_ONE_REVIEW_STATUS})(,({_ONE_REVIEW_STATUS}))*$"
REVIEW_STATUSES_EXAMPLE = "approved,has_issues"


def review_statuses(text: str | None) -> frozenset[ReviewStatus] | None:
    """The review statuses a filter names (its pattern is checked already); None: no filter."""
    return None if text is None else frozenset(ReviewStatus(part) for part in text.split(","))


async def feedback_filters(
    principal: PrincipalDep,
    program_id: Annotated[
        uuid.UUID | None, Query(description="Only feedback about this program.")
    ] = None,
    infrastructure_project_id: Annotated[
        uuid.UUID | None, Query(description="Only feedback about this infrastructure project.")
    ] = None,
    status: Annotated[
        FeedbackStatus | None, Query(description="Only feedback in this status.")
    ] = None,
    review_status: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=REVIEW_STATUSES_PATTERN,
            description="Only feedback in one of these review statuses, comma-separated: "
            "`received`, `approved`, `has_issues`, `rejected`.",
            examples=[REVIEW_STATUSES_EXAMPLE],
        ),
    ] = None,
    rating: Annotated[
        int | None, Query(ge=1, le=5, description="Only feedback with exactly this rating.")
    ] = None,
    min_rating: Annotated[
        int | None, Query(ge=1, le=5, description="Only feedback rated at least this.")
    ] = None,
    area_code: Annotated[
        str | None, Query(max_length=40, description="Only feedback collected in this area.")
    ] = None,
    client_ref: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Only the caller's own submission with this reference: a client_ref "
            "names a submission only within the client that sent it.",
        ),
    ] = None,
    submitted_from: Annotated[
        Instant | None,
        Query(
            description="Only feedback submitted at or after this instant (RFC 3339 with offset).",
            examples=["2026-05-01T00:00:00+09:00"],
        ),
    ] = None,
    submitted_to: Annotated[
        Instant | None,
        Query(
            description="Only feedback submitted before this instant (exclusive; RFC 3339 with "
            "offset), so that consecutive windows never overlap.",
            examples=["2026-06-01T00:00:00+09:00"],
        ),
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    include_deleted: IncludeDeletedQuery = False,
) -> FeedbackFilters:
    """The filters of the feedback list, which its export shares."""
    return FeedbackFilters(
        program_id=program_id,
        infrastructure_project_id=infrastructure_project_id,
        status=status,
        review_statuses=review_statuses(review_status),
        rating=rating,
        min_rating=min_rating,
        area_code=area_code,
        client_ref=client_ref,
        submitted_by=principal.client_id,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        updated_since=updated_since,
        include_deleted=include_deleted,
    )


FeedbackFiltersDep = Annotated[FeedbackFilters, Depends(feedback_filters)]
