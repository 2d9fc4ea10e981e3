from typing import Annotated

from fastapi import APIRouter, Query, Response

from sofifi_api.auth.dependencies import (
    MissingScope,
    PrincipalDep,
    any_scope_security,
    requires_any,
)
from sofifi_api.changes import service
from sofifi_api.changes.models import ChangePage, ChangeType
from sofifi_api.changes.service import FEED_SCOPES, KINDS, Position
from sofifi_api.db import SessionDep
from sofifi_api.errors import FieldError, ValidationFailed, problem_responses
from sofifi_api.feedback.dependencies import (
    REVIEW_STATUSES_PATTERN,
    review_statuses,
)
from sofifi_api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from sofifi_api.representations.reading import json_response

router = APIRouter(prefix="/changes", tags=["changes"])

_TYPES = ", ".join(change_type.value for change_type in ChangeType)


def _requested_types(types: str | None, principal: PrincipalDep) -> list[ChangeType]:
    """The types asked for (all the client may read when none are named); naming a type the
    client may not read is a 403, an unknown one a 422."""
    if types is None:
        return [kind.type for kind in KINDS.values() if principal.allows(kind.scope)]
    requested = []
    for name in dict.fromkeys(part.strip() for part in types.split(",")):
        try:
            requested.append(ChangeType(name))
        except ValueError:
            message = f"Names a type that does not exist; the types are: {_TYPES}."
            raise ValidationFailed(
                message,
                errors=[FieldError(location="query", field="types", message=message, code="enum")],
            ) from None
    for change_type in requested:
        if not principal.allows(KINDS[change_type].scope):
            raise MissingScope(KINDS[change_type].scope)
    return requested


@router.get(
    "",
    dependencies=[requires_any(*FEED_SCOPES)],
    response_model=ChangePage,
    summary="Follow changes",
    response_description="The next changes in feed order; `next_cursor` is always there to "
    "poll from, and an empty `data` means caught up.",
    responses=problem_responses(400, 422),
    openapi_extra=any_scope_security(*FEED_SCOPES),
)
async def list_changes(
    session: SessionDep,
    principal: PrincipalDep,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Where to continue: the `next_cursor` of the previous page. Without "
            "it the feed starts at the beginning, with every resource that exists.",
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(
            max_length=300,
            description=f"Only these types, comma-separated: {_TYPES}. Default: every type "
            "the client may read.",
            examples=["program,participant,infrastructure_project,feedback"],
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description="At most this many changes per page."),
    ] = DEFAULT_LIMIT,
    feedback_review_status: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=REVIEW_STATUSES_PATTERN,
            description="For a copy that holds only feedback in some review statuses "
            "(comma-separated: `received`, `approved`, `has_issues`, `rejected`): feedback in "
            "another status appears as a `delete`, so feedback that leaves those statuses is "
            "dropped from the copy, and reappears as an `upsert` when it enters them. Keep the "
            "same value for the whole life of a cursor. Other types are not affected.",
            examples=["approved"],
        ),
    ] = None,
) -> Response:
    """Every create, update and delete since the cursor, oldest first, for keeping a copy in
    sync: store each `upsert`'s `resource` under its `type` and `id`, mark each `delete`'s
    resource deleted, then ask again with `next_cursor`. An empty `data` means the copy is up
    to date; keep the cursor and poll with it later. A copy that follows the feed from the
    start holds exactly what the service holds, whatever other clients write meanwhile: a
    change appears only once every transaction that could come before it has finished, and
    a resumed cursor never repeats what it has passed.

    Each entry is the resource as it is now (a resource changed twice on a page appears once),
    as its list shows it: participants without personal data. Enrollments also change their
    program's counts, consultations and contributions their project's totals, and group
    members their group; those resources reappear in the feed when that happens. A client
    needs the read scope of each type it follows; a client restricted to areas sees changes
    of what lies in its areas."""
    after = Position() if cursor is None else Position.parse(decode_cursor(cursor))
    entries, position = await service.read_changes(
        session,
        after,
        _requested_types(types, principal),
        areas=principal.areas,
        limit=limit,
        feedback_review_statuses=review_statuses(feedback_review_status),
    )
    return json_response({"data": entries, "next_cursor": encode_cursor(position.key())})
