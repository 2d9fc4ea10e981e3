import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from sofifi_api.audit import service
from sofifi_api.audit.dependencies import AuditEventDep
from sofifi_api.audit.models import AuditAction, AuditEventPublic
from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.scopes import AUDIT_READ
from sofifi_api.clients.models import AuditEvent
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.schemas import Instant

router = APIRouter(prefix="/audit-events", tags=["audit"])


@router.get(
    "",
    dependencies=[requires(AUDIT_READ)],
    response_model=Page[AuditEventPublic],
    summary="List audit events",
    responses=problem_responses(400, 422),
)
async def list_audit_events(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    client_id: Annotated[
        uuid.UUID | None, Query(description="Only events of this API client.")
    ] = None,
    action: Annotated[AuditAction | None, Query(description="Only this action.")] = None,
    resource_type: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Only events about this kind of resource.",
            examples=["participant"],
        ),
    ] = None,
    resource_id: Annotated[
        str | None,
        Query(
            max_length=64, description="Only events about the resource with this id (or area code)."
        ),
    ] = None,
    occurred_from: Annotated[
        Instant | None,
        Query(
            description="Only events at or after this instant (RFC 3339 with offset).",
            examples=["2026-03-01T00:00:00+09:00"],
        ),
    ] = None,
    occurred_to: Annotated[
        Instant | None,
        Query(
            description="Only events before this instant (RFC 3339 with offset).",
            examples=["2026-04-01T00:00:00+09:00"],
        ),
    ] = None,
    request_id: Annotated[
        str | None,
        Query(max_length=128, description="Only events of the request with this `Request-Id`."),
    ] = None,
) -> dict[str, Any]:
    """The audit trail, oldest first: every create, update and delete, every change to API
    clients and keys, and every time a participant's personal data was shown. Events name
    resources and fields, never their values. A client restricted to areas sees the events
    about the resources it can read, and none about API clients."""
    items, next_key = await service.list_audit_events(
        session,
        page,
        client_id=client_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        request_id=request_id,
        areas=principal.areas,
    )
    return page_body(request, response, items, next_key)


@router.get(
    "/{event_id}",
    dependencies=[requires(AUDIT_READ)],
    response_model=AuditEventPublic,
    summary="Get an audit event",
    responses=problem_responses(404, 422),
)
async def get_audit_event(audit_event: AuditEventDep) -> AuditEvent:
    """One entry of the audit trail: which client did what to which resource, and when."""
    return audit_event
