from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.audit.service import AuditEventNotFound, get_audit_event
from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.clients.models import AuditEvent
from sofifi_api.db import SessionDep
from sofifi_api.schemas import parse_id


async def audit_event_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    event_id: Annotated[str, Path(max_length=64, description="The audit event's id.")],
) -> AuditEvent:
    parsed = parse_id(event_id)
    if parsed is None:
        raise AuditEventNotFound(event_id)
    return await get_audit_event(session, parsed, areas=principal.areas)


AuditEventDep = Annotated[AuditEvent, Depends(audit_event_from_path)]
