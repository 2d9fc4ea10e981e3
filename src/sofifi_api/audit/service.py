import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.audit import recording
from sofifi_api.audit.models import AuditAction
from sofifi_api.audit.visibility import audit_events_visible
from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.principal import Principal
from sofifi_api.clients.models import AuditEvent
from sofifi_api.db import insert_rows, new_ids, unnest_rows, utcnow
from sofifi_api.errors import FieldError, NotFound, ValidationFailed
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.participants.models import Participant


class AuditEventNotFound(NotFound):
    def __init__(self, event_id: uuid.UUID | str) -> None:
        super().__init__(f"No audit event with id {event_id}.")


async def record_personal_data_read(
    session: AsyncSession,
    principal: Principal,
    participant_id: uuid.UUID,
    request_id: str | None,
) -> None:
    """Record that a participant's personal data (NIK, phone, exact birth date) was shown to a
    client; nothing for a client that is not shown it. Committed with the request."""
    if not principal.sees_personal_data:
        return
    session.add(
        AuditEvent(
            client_id=principal.client_id,
            action=AuditAction.pii_read,
            resource_type=recording.RESOURCE_TYPES[Participant],
            resource_id=str(participant_id),
            request_id=request_id or None,
        )
    )
    await session.flush()


def _creation_event(actor: recording._Actor, resource_type: str) -> dict[str, Any]:
    """The columns every `create` event of one bulk insert shares (all but id and resource)."""
    return {
        "occurred_at": utcnow(),
        "client_id": actor.client_id,
        "action": AuditAction.create.value,
        "resource_type": resource_type,
        "request_id": actor.request_id,
        "details": recording._details(actor, None, None),
    }


async def record_bulk_creation(
    session: AsyncSession, resource_type: str, resource_ids: Sequence[str]
) -> None:
    """Record a `create` event per resource stored with a bulk INSERT, which session events do
    not see; one multi-row INSERT, in the same transaction. Nothing for a session acting for
    no one."""
    actor = recording._actor(session.sync_session)
    if actor is None or not resource_ids:
        return
    event = _creation_event(actor, resource_type)
    rows = [
        {"id": event_id, "resource_id": resource_id, **event}
        for event_id, resource_id in zip(new_ids(len(resource_ids)), resource_ids, strict=True)
    ]
    connection = await session.connection()
    table: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
    await insert_rows(connection, table, rows)


async def insert_recorded(
    session: AsyncSession, table: sa.Table, rows: list[dict[str, Any]], resource_type: str
) -> set[uuid.UUID]:
    """Insert many rows, skipping those that would break a unique constraint, each inserted
    row with its `create` event; returns the ids inserted. Every row names the same columns,
    `id` among them.

    On PostgreSQL one statement does both: the INSERT of the rows, in a WITH clause, feeds
    the INSERT of their events, so only rows actually stored are recorded. Elsewhere the rows
    go in first and the events of those inserted follow."""
    if not rows:
        return set()
    connection = await session.connection()
    actor = recording._actor(session.sync_session)
    if connection.dialect.name != "postgresql" or actor is None:
        inserted = await insert_rows(
            connection, table, rows, skip_conflicts=True, returning=table.c.id
        )
        await record_bulk_creation(session, resource_type, [str(row_id) for row_id in inserted])
        return set(inserted)

    from sqlalchemy.dialects import postgresql

    events: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
    source, params = unnest_rows(table, rows, event_id=(sa.Uuid(), new_ids(len(rows))))
    incoming = source.cte("incoming")
    names = list(rows[0])
    stored = (
        postgresql.insert(table)
        .from_select(names, sa.select(*(incoming.c[name] for name in names)))
        .on_conflict_do_nothing()
        .returning(table.c.id)
        .cte("stored")
    )
    event_values = _creation_event(actor, resource_type)
    statement = (
        sa.insert(events)
        .from_select(
            ["id", "resource_id", *event_values],
            sa.select(
                incoming.c.event_id,
                sa.cast(stored.c.id, sa.String),
                *(
                    sa.cast(
                        sa.bindparam(f"event_{name}", value, type_=events.c[name].type),
                        events.c[name].type,
                    )
                    for name, value in event_values.items()
                ),
            ).join_from(stored, incoming, stored.c.id == incoming.c.id),
        )
        .add_cte(incoming, stored)
    )
    result = await connection.execute(statement, params)
    ids = [row["id"] for row in rows]
    if result.rowcount == len(rows):
        return set(ids)
    # Some rows were skipped: ask which ones went in.
    found = await connection.execute(sa.select(table.c.id).where(table.c.id.in_(ids)))
    return set(found.scalars().all())


async def get_audit_event(
    session: AsyncSession, event_id: uuid.UUID, *, areas: AreaScope
) -> AuditEvent:
    """The event, if it names a resource the client sees (else it is reported missing)."""
    found = await session.exec(
        select(AuditEvent).where(AuditEvent.id == event_id, audit_events_visible(areas))
    )
    audit_event = found.first()
    if audit_event is None:
        raise AuditEventNotFound(event_id)
    return audit_event


async def list_audit_events(
    session: AsyncSession,
    page: PageRequest,
    *,
    client_id: uuid.UUID | None = None,
    action: AuditAction | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    request_id: str | None = None,
    areas: AreaScope,
) -> tuple[list[AuditEvent], str | None]:
    """A page of the events about resources the client sees, oldest first; `occurred_from`
    inclusive, `occurred_to` exclusive."""
    if occurred_from is not None and occurred_to is not None and occurred_to < occurred_from:
        message = "occurred_to must be on or after occurred_from."
        raise ValidationFailed(
            message,
            errors=[
                FieldError(
                    location="query", field="occurred_to", message=message, code="date_order"
                )
            ],
        )
    statement = select(AuditEvent).where(audit_events_visible(areas))
    if client_id is not None:
        statement = statement.where(AuditEvent.client_id == client_id)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    if resource_type is not None:
        statement = statement.where(AuditEvent.resource_type == resource_type)
    if resource_id is not None:
        statement = statement.where(AuditEvent.resource_id == resource_id)
    if occurred_from is not None:
        statement = statement.where(col(AuditEvent.occurred_at) >= occurred_from)
    if occurred_to is not None:
        statement = statement.where(col(AuditEvent.occurred_at) < occurred_to)
    if request_id is not None:
        statement = statement.where(AuditEvent.request_id == request_id)
    rows = (await session.exec(keyset(statement, col(AuditEvent.id), page))).all()
    return cut_page(rows, page, lambda audit_event: audit_event.id)
