import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.audit import recording
from sofifi_api.audit.models import AuditAction
from sofifi_api.audit.visibility import audit_events_visible
from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.principal import Principal
from sofifi_api.clients.models import AuditEvent
from sofifi_api.db import insert_rows, new_id, new_ids, unnest_rows, utcnow
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


RowCondition = Callable[[sa.ColumnCollection[str, sa.ColumnElement[Any]]], sa.ColumnElement[bool]]


class RecordedInsert:
    """The INSERT of one row of `table` with its `create` event, built once and run for each
    row (building it costs more than running it). `only_if`, given the incoming row's
    columns, is an SQL condition the row is stored under, such as that what it refers to is
    live and visible to the client.

    On PostgreSQL the check, the row and its event take one statement: the INSERT of the row,
    in a WITH clause, feeds the INSERT of its event. Elsewhere the event follows the row."""

    def __init__(
        self, table: sa.Table, resource_type: str, *, only_if: RowCondition | None = None
    ) -> None:
        self.table = table
        self.resource_type = resource_type
        self.only_if = only_if
        self._names = [column.key for column in table.c]
        self._statements: dict[tuple[str, bool], sa.Select[Any] | sa.Insert] = {}

    async def run(self, session: AsyncSession, row: Mapping[str, Any]) -> sa.Row[Any] | None:
        """Stores `row` (a value for every column) and records its creation; the row as
        stored, or None when nothing was: `only_if` did not hold, or the row would break a
        unique constraint. A session acting for no one records no event."""
        connection = await session.connection()
        dialect = connection.dialect.name
        actor = recording._actor(session.sync_session)
        params = {_parameter(self.table, name): row[name] for name in self._names}
        event = None
        if actor is not None:
            event = {
                "id": new_id(),
                "resource_id": str(row["id"]),
                **_creation_event(actor, self.resource_type),
            }
        together = event is not None and dialect == "postgresql"
        if event is not None and together:
            params |= {_parameter(_EVENTS, name): value for name, value in event.items()}
        inserted = (await connection.execute(self._statement(dialect, together), params)).first()
        if inserted is not None and event is not None and not together:
            await connection.execute(sa.insert(_EVENTS), event)
        return inserted

    def _statement(self, dialect: str, with_event: bool) -> sa.Select[Any] | sa.Insert:
        key = (dialect, with_event)
        if key not in self._statements:
            self._statements[key] = self._build(dialect, with_event)
        return self._statements[key]

    def _build(self, dialect: str, with_event: bool) -> sa.Select[Any] | sa.Insert:
        names = self._names
        incoming = _parameters(self.table, names, dialect).subquery("incoming")
        source = sa.select(*incoming.c)
        if self.only_if is not None:
            source = source.where(self.only_if(incoming.c))
        elif dialect != "postgresql":
            # SQLite reads `ON CONFLICT` after a bare `INSERT ... SELECT` as a join's clause.
            source = source.where(sa.true())
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stored = (
            insert(self.table)
            .from_select(names, source)
            .on_conflict_do_nothing()
            .returning(*self.table.c)
        )
        if not with_event:
            return stored
        stored_rows = stored.cte("stored")
        # One event per row the INSERT returned: none when it stored nothing.
        events = _parameters(_EVENTS, list(_EVENT_COLUMNS), dialect).select_from(stored_rows)
        recorded = sa.insert(_EVENTS).from_select(list(_EVENT_COLUMNS), events).cte("recorded")
        return sa.select(stored_rows).add_cte(recorded)


_EVENTS: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
_EVENT_COLUMNS = (
    "id",
    "resource_id",
    "occurred_at",
    "client_id",
    "action",
    "resource_type",
    "request_id",
    "details",
)


def _parameter(table: sa.Table, name: str) -> str:
    return f"{table.name}_{name}"


def _parameters(table: sa.Table, names: list[str], dialect: str) -> sa.Select[Any]:
    """A SELECT of one parameter per column, named by `_parameter`. They are cast to their
    columns' types on PostgreSQL, which cannot infer the type of a parameter in a select list;
    SQLite's casts would convert them (a timestamp to a number)."""
    values = []
    for name in names:
        column_type = table.c[name].type
        value: sa.ColumnElement[Any] = sa.bindparam(_parameter(table, name), type_=column_type)
        if dialect == "postgresql":
            value = sa.cast(value, column_type)
        values.append(value.label(name))
    return sa.select(*values)


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
