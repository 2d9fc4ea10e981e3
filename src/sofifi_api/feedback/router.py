import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import status as http_status
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import SessionDep
from sofifi_api.errors import (
    ApiError,
    BadRequest,
    ValidationFailed,
    field_errors_from_pydantic,
    problem_responses,
)
from sofifi_api.feedback import reviews, service
from sofifi_api.feedback.dependencies import FeedbackDep, FeedbackFiltersDep
from sofifi_api.feedback.models import (
    Feedback,
    FeedbackBatchResult,
    FeedbackCreate,
    FeedbackPublic,
    FeedbackUpdate,
)
from sofifi_api.feedback.reviews import FeedbackReviewCreate, FeedbackReviewPublic
from sofifi_api.pagination import Page, PageDep, page_body

router = APIRouter(prefix="/feedback", tags=["feedback"])

MAX_BATCH_ITEMS = 1000
# Says that a POST named a client_ref this client already used: nothing new was stored.
DUPLICATE_HEADER = "Sofifi-Duplicate"
_BATCH_SHAPE: TypeAdapter[list[dict[str, Any]]] = TypeAdapter(list[dict[str, Any]])


class MalformedJson(BadRequest):
    title, slug = "Malformed JSON", "malformed-json"


class TooManyItems(ApiError):
    status, title, slug = 413, "Content too large", "content-too-large"


@router.get(
    "",
    dependencies=[requires("feedback:read")],
    response_model=Page[FeedbackPublic],
    summary="List feedback",
    responses=problem_responses(400, 422),
)
async def list_feedback(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    filters: FeedbackFiltersDep,
) -> dict[str, Any]:
    """Feedback in creation order, filtered by subject, handling status, rating, area, the
    submitting app's reference and the device's submission time. A client restricted to areas
    sees only feedback about a program or project in its areas that was collected in one of
    them or names no area."""
    items, next_key = await service.list_feedback(session, page, filters, areas=principal.areas)
    return page_body(request, response, items, next_key)


_LOCATION_HEADER = {
    "Location": {"description": "URL of the feedback.", "schema": {"type": "string"}},
}


@router.post(
    "",
    dependencies=[requires("feedback:write")],
    response_model=FeedbackPublic,
    status_code=http_status.HTTP_201_CREATED,
    summary="Submit feedback",
    responses={
        200: {
            "model": FeedbackPublic,
            "description": "This client already submitted feedback with this `client_ref`: "
            "nothing new is stored and the stored feedback is returned, with "
            f"`{DUPLICATE_HEADER}: true`.",
            "headers": {
                **_LOCATION_HEADER,
                DUPLICATE_HEADER: {
                    "description": "`true`: the submission was already stored.",
                    "schema": {"type": "string", "enum": ["true"]},
                },
            },
        },
        201: {"description": "Stored.", "headers": _LOCATION_HEADER},
        **problem_responses(400, 403, 409, 413, 415, 422),
    },
)
async def create_feedback(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: FeedbackCreate,
) -> service.StoredFeedback:
    """Records a rating, a comment, survey answers or any of them about exactly one program or
    one infrastructure project. `submitted_at` is the device's clock (offline apps upload
    later); the server adds `received_at`. New feedback has status `new`.

    Survey answers name `survey_id` and `survey_version` (a published version of a live survey)
    and are checked against its questions; each refused answer is reported as
    `answers.<question_key>`.

    Retries are safe with `client_ref`: the same `client_ref` from the same client is the same
    submission, so a second POST answers 200 with the stored feedback (deleted or not), its
    `Location` and `Sofifi-Duplicate: true`, and stores nothing. Another client's identical
    `client_ref` is a different submission. When the stored feedback has since left the
    client's areas (its program or project no longer serves them), the answer is 409
    `/problems/submission-out-of-sight`, without the feedback.

    For a client restricted to areas, a program or project outside them is an unknown subject
    (422), and an `area_code` outside them is refused (403)."""
    feedback, created = await service.create_feedback(
        session, body, client_id=principal.client_id, areas=principal.areas
    )
    # The URL posted to and the id: `get_feedback`'s URL, without `url_for`'s walk of every route.
    response.headers["Location"] = f"{request.url.replace(query='')}/{feedback.id}"
    if not created:
        response.status_code = http_status.HTTP_200_OK
        response.headers[DUPLICATE_HEADER] = "true"
    return feedback


_BATCH_EXAMPLE = [
    {
        "program_id": "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01",
        "rating": 4,
        "submitted_at": "2026-05-01T12:00:00+09:00",
        "client_ref": "oba-tab-07/0042",
    },
    {
        "program_id": "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01",
        "survey_id": "0195f3b0-4a1c-7d22-8e31-5c2b7d9e0f12",
        "survey_version": 2,
        "answers": {"kepuasan": 5, "ikut_lagi": True},
        "submitted_at": "2026-05-01T12:05:00+09:00",
        "client_ref": "oba-tab-07/0043",
    },
]


async def batch_items(request: Request) -> list[dict[str, Any]]:
    """The body as a list of raw objects; each is validated on its own by the service."""
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson("The request body is not valid JSON.") from exc
    if isinstance(body, list) and len(body) > MAX_BATCH_ITEMS:
        raise TooManyItems(
            f"A batch holds at most {MAX_BATCH_ITEMS} items; split it into smaller batches."
        )
    try:
        return _BATCH_SHAPE.validate_python(body)
    except PydanticValidationError as exc:
        errors = field_errors_from_pydantic(exc.errors(include_input=False))
        raise ValidationFailed(
            "The body must be a JSON array of feedback objects.", errors=errors
        ) from exc


@router.post(
    "/batch",
    dependencies=[requires("feedback:write")],
    response_model=FeedbackBatchResult,
    summary="Submit feedback in a batch",
    response_description="One result per submitted item, in order: `created`, `duplicate` or "
    "`invalid` (with its `errors`).",
    responses=problem_responses(400, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"A JSON array of up to {MAX_BATCH_ITEMS} feedback objects, each "
            "as `POST /v1/feedback` takes it; at most 10 MiB.",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "maxItems": MAX_BATCH_ITEMS,
                        "items": {"$ref": "#/components/schemas/FeedbackCreate"},
                    },
                    "example": _BATCH_EXAMPLE,
                }
            },
        }
    },
)
async def create_feedback_batch(
    session: SessionDep,
    principal: PrincipalDep,
    items: Annotated[list[dict[str, Any]], Depends(batch_items)],
) -> Response:
    """Stores up to 1,000 feedback submissions at once, for apps uploading what they
    collected offline. Each item is handled as `POST /v1/feedback` would handle it, alone:
    valid items are stored even when others are refused. The answer is 200 with one result
    per item, in order: `created` (with the new id), `duplicate` (this client already
    submitted the item's `client_ref`, before or earlier in the batch; `id` is the stored
    feedback's, or null when that feedback has since left the client's areas) or `invalid`
    (with `errors`, nothing stored). Resending a batch after a lost answer is therefore safe:
    what was stored comes back as `duplicate`, the rest is created.

    The whole request is refused only when the body is not a JSON array of objects (422),
    holds more than 1,000 items or 10 MiB (413)."""
    results = await service.create_feedback_batch(
        session, items, client_id=principal.client_id, areas=principal.areas
    )
    # Serialised directly: re-validating a thousand results against the model costs more
    # than building them.
    body = FeedbackBatchResult(results=results).model_dump_json()
    return Response(content=body, media_type="application/json")


@router.get(
    "/{feedback_id}",
    dependencies=[requires("feedback:read")],
    response_model=FeedbackPublic,
    summary="Get feedback",
    responses=problem_responses(404, 422),
)
async def get_feedback(feedback: FeedbackDep) -> Feedback:
    """The feedback as submitted, with its arrival time and how it has been handled."""
    return feedback


@router.patch(
    "/{feedback_id}",
    dependencies=[requires("feedback:write")],
    response_model=FeedbackPublic,
    summary="Handle feedback",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def update_feedback(
    session: SessionDep, feedback: FeedbackDep, body: FeedbackUpdate, if_match: IfMatchDep
) -> Feedback:
    """Changes only `status` and `response_note`. Status moves forwards only: `new` →
    `acknowledged` → `resolved`, or `new` → `resolved`; sending the current status again is
    accepted, moving backwards answers 409. What was submitted (subject, rating, comment, area,
    `submitted_at`, `client_ref`) never changes: sending any of it answers 422."""
    await if_match.require_current(session, feedback, FeedbackPublic)
    return await service.update_feedback(session, feedback, body)


@router.delete(
    "/{feedback_id}",
    dependencies=[requires("feedback:write")],
    status_code=http_status.HTTP_204_NO_CONTENT,
    summary="Delete feedback",
    responses=problem_responses(404, 422),
)
async def delete_feedback(session: SessionDep, feedback: FeedbackDep, if_match: IfMatchDep) -> None:
    """Leaves a tombstone that `include_deleted` lists."""
    await if_match.require_current(session, feedback, FeedbackPublic)
    await service.delete_feedback(session, feedback)


@router.post(
    "/{feedback_id}/review",
    dependencies=[requires("feedback:review")],
    response_model=FeedbackPublic,
    summary="Review feedback",
    response_description="The feedback with its new review status, as `GET` shows it.",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def review_feedback(
    session: SessionDep,
    principal: PrincipalDep,
    feedback: FeedbackDep,
    body: FeedbackReviewCreate,
    if_match: IfMatchDep,
) -> Feedback:
    """Sets the feedback's `review_status`, with the reviewer's `note`, and answers with the
    feedback as `GET` shows it: `reviewed_at` and `reviewed_by` (this client) are set too.
    Any status may follow any other: `received` reopens the feedback, and setting the current
    status again records a new note. Each review is kept in the history
    (`GET /v1/feedback/{feedback_id}/reviews`).

    Statistics count only `approved` feedback by default, so approving is what makes feedback
    count in official figures. What was submitted, and the handling `status`, never change here.
    A client restricted to areas can review only feedback it can read (404 otherwise)."""
    await if_match.require_current(session, feedback, FeedbackPublic)
    return await reviews.review_feedback(session, feedback, body, client_id=principal.client_id)


@router.get(
    "/{feedback_id}/reviews",
    dependencies=[requires("feedback:read")],
    response_model=Page[FeedbackReviewPublic],
    summary="List feedback reviews",
    responses=problem_responses(400, 404, 422),
)
async def list_feedback_reviews(
    request: Request,
    response: Response,
    session: SessionDep,
    feedback: FeedbackDep,
    page: PageDep,
) -> dict[str, Any]:
    """The history of the feedback's review status, oldest first: each review's status before
    and after, its note, the reviewing client and when. Feedback never reviewed has none."""
    items, next_key = await reviews.list_reviews(session, feedback, page)
    return page_body(request, response, items, next_key)
