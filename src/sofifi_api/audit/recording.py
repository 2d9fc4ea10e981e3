"""Records every write in the audit trail, inside the transaction that makes it.

Session events see every flush (`before_flush`) and every bulk UPDATE or DELETE
(`do_orm_execute`, which cascading tombstones use), so services need no audit code of their own:
a rolled-back write leaves no event, a committed one always has one. Only sessions that act for
someone are recorded: a request's (`session.info["principal"]`, set by
`db.request_session`, with `session.info["request_id"]`) and the command line's
(`record_as(session, "cli")`). The demo seed is not recorded.

One event per resource and transaction: later changes to the same resource in the same
transaction are merged into its event, and rows that only link a resource to others (a
program's partners, a group's members) count as a change of that resource.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area
from sofifi_api.audit.models import AuditAction
from sofifi_api.clients.models import ApiClient, ApiKey, AuditEvent
from sofifi_api.consultations.models import Consultation
from sofifi_api.contributions.models import Contribution
from sofifi_api.db import SESSION_PRINCIPAL, SESSION_REQUEST_ID, TimestampedTable
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.feedback.models import Feedback
from sofifi_api.infrastructure_projects.models import InfrastructureProject, ProjectArea
from sofifi_api.organizations.models import Organization
from sofifi_api.participants.models import GroupMember, Participant
from sofifi_api.programs.models import Program, ProgramArea, ProgramPartner
from sofifi_api.webhooks.models import WebhookSubscription

PRINCIPAL = SESSION_PRINCIPAL
REQUEST_ID = SESSION_REQUEST_ID
_VIA = "audit_via"
_TRACKED = "audit_tracked"
_BUMPS = "audit_bumps"
API_CLIENT = "api_client"

RESOURCE_TYPES: dict[type[Any], str] = {
    Organization: "organization",
    Area: "area",
    Program: "program",
    Enrollment: "enrollment",
    Participant: "participant",
    InfrastructureProject: "infrastructure_project",
    Consultation: "consultation",
    Contribution: "contribution",
    Feedback: "feedback",
    WebhookSubscription: "webhook",
}


@dataclass(frozen=True)
class _Link:
    """A row that ties a resource to others: writing it changes the resource's `field`."""

    parent_type: str
    parent_key: str
    field: str


_LINKS: dict[type[Any], _Link] = {
    ProgramPartner: _Link("program", "program_id", "partners"),
    ProgramArea: _Link("program", "program_id", "area_codes"),
    GroupMember: _Link("participant", "group_id", "member_ids"),
    ProjectArea: _Link("infrastructure_project", "project_id", "area_codes"),
}

# Columns stored under another name than the field clients send and read.
_FIELD_NAMES: dict[type[Any], dict[str, str]] = {
    Participant: {
        "nik_ciphertext": "nik",
        "nik_digest": "nik",
        # Derived from the NIK alone: named apart, it would tell that the NIK is held elsewhere.
        "possible_duplicate_of": "nik",
        "phone_ciphertext": "phone",
        "birth_date_ciphertext": "birth_date",
    },
}

# Bookkeeping columns every write moves; they say nothing about what changed.
_BOOKKEEPING = frozenset({"created_at", "updated_at", "deleted_at"})
_CREATIONS = frozenset({AuditAction.create, AuditAction.client_create})
_UPDATES = frozenset({AuditAction.update, AuditAction.client_update})
_ENDINGS = frozenset({AuditAction.delete, AuditAction.client_revoke})


@dataclass(frozen=True)
class _Actor:
    client_id: uuid.UUID | None
    request_id: str | None
    via: str | None


def record_as(session: Session | AsyncSession, via: str) -> None:
    """Record the writes of a session that acts outside a request (`via="cli"`)."""
    session.info[_VIA] = via


def _actor(session: Session) -> _Actor | None:
    principal = session.info.get(PRINCIPAL)
    if principal is not None:
        return _Actor(principal.client_id, session.info.get(REQUEST_ID) or None, None)
    via = session.info.get(_VIA)
    return _Actor(None, None, via) if via else None


def record(
    session: Session,
    action: AuditAction,
    resource_type: str,
    resource_id: str,
    *,
    fields: Iterable[str] | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add the event of a write to the session's transaction, or merge it into the event the
    same resource already has there. `fields` are names of changed fields, never values."""
    actor = _actor(session)
    if actor is None:
        return
    field_names = sorted(set(fields or ()))
    tracked: dict[tuple[str, str], AuditEvent] = session.info.setdefault(_TRACKED, {})
    bumps: dict[tuple[str, str], AuditAction] = session.info.setdefault(_BUMPS, {})
    key = (resource_type, resource_id)
    earlier = tracked.get(key)
    if action in _UPDATES and not field_names:
        # Only `updated_at` moved: the side effect of another write, unless nothing else is.
        if earlier is None:
            bumps.setdefault(key, action)
        return
    bumps.pop(key, None)
    if earlier is not None:
        earlier_action = AuditAction(earlier.action)
        if earlier_action in _CREATIONS and action not in _ENDINGS:
            return
        if action in _UPDATES and action == earlier_action:
            merged = sorted({*earlier.details.get("fields", ()), *field_names})
            earlier.details = {**earlier.details, "fields": merged}
            return
        if earlier_action in _UPDATES and action in _ENDINGS:
            earlier.action = action
            earlier.details = _details(actor, None, details)
            return
    tracked[key] = _add_event(
        session,
        actor,
        action,
        key,
        _details(actor, None if fields is None else field_names, details),
    )


def _add_event(
    session: Session,
    actor: _Actor,
    action: AuditAction,
    key: tuple[str, str],
    details: dict[str, Any],
) -> AuditEvent:
    audit_event = AuditEvent(
        client_id=actor.client_id,
        action=action,
        resource_type=key[0],
        resource_id=key[1],
        request_id=actor.request_id,
        details=details,
    )
    session.add(audit_event)
    return audit_event


def _details(
    actor: _Actor, fields: list[str] | None, extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    details: dict[str, Any] = dict(extra or {})
    if fields is not None:
        details["fields"] = fields
    if actor.via:
        details["via"] = actor.via
    return details


def resource_type_of(cls: type[Any]) -> str | None:
    """The name the audit trail gives rows of `cls`; None for rows it does not record."""
    if cls in RESOURCE_TYPES:
        return RESOURCE_TYPES[cls]
    if issubclass(cls, TimestampedTable):
        return str(sa.inspect(cls).local_table.name)
    return None


def _key_of(instance: Any) -> str:
    mapper = sa.inspect(type(instance))
    return str(getattr(instance, mapper.primary_key[0].key))


def _changed_fields(instance: Any) -> set[str]:
    """Names of the columns and linked lists that this flush changes."""
    state = inspect(instance)
    names = _FIELD_NAMES.get(type(instance), {})
    fields = {
        names.get(attr.key, attr.key)
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }
    for relationship in state.mapper.relationships:
        if state.attrs[relationship.key].history.has_changes():
            link = _LINKS.get(relationship.mapper.class_)
            fields.add(link.field if link is not None else relationship.key)
    return fields


def _record_resource(session: Session, instance: Any, *, deleted: bool = False) -> None:
    resource_type = resource_type_of(type(instance))
    if resource_type is None:
        return
    resource_id = _key_of(instance)
    if deleted:
        record(session, AuditAction.delete, resource_type, resource_id)
    elif inspect(instance).pending:
        record(session, AuditAction.create, resource_type, resource_id)
    else:
        fields = _changed_fields(instance)
        if "deleted_at" in fields and getattr(instance, "deleted_at", None) is not None:
            record(session, AuditAction.delete, resource_type, resource_id)
        else:
            record(
                session,
                AuditAction.update,
                resource_type,
                resource_id,
                fields=fields - _BOOKKEEPING,
            )


def _record_link(session: Session, instance: Any) -> None:
    link = _LINKS[type(instance)]
    parent_id = str(getattr(instance, link.parent_key))
    record(session, AuditAction.update, link.parent_type, parent_id, fields=[link.field])


def _record_credentials(
    session: Session, new: list[Any], changed: list[Any], deleted: list[Any]
) -> None:
    """Clients and keys, as one event per client and action; never a key or its digest."""
    tracked: dict[tuple[str, str], AuditEvent] = session.info.get(_TRACKED, {})
    revoked = {
        uuid.UUID(resource_id)
        for (resource_type, resource_id), earlier in tracked.items()
        if resource_type == API_CLIENT and earlier.action == AuditAction.client_revoke
    }
    for client in new:
        if isinstance(client, ApiClient):
            record(session, AuditAction.client_create, API_CLIENT, str(client.id))
    for client in changed:
        if not isinstance(client, ApiClient):
            continue
        fields = _changed_fields(client)
        if "revoked_at" in fields and client.revoked_at is not None:
            revoked.add(client.id)
            record(session, AuditAction.client_revoke, API_CLIENT, str(client.id))
        else:
            action = AuditAction.client_update
            record(session, action, API_CLIENT, str(client.id), fields=fields - _BOOKKEEPING)
    new_keys = [key for key in new if isinstance(key, ApiKey)]
    changed_keys = [(key, _changed_fields(key)) for key in changed if isinstance(key, ApiKey)]
    for key in new_keys:
        rotation = any(
            old.client_id == key.client_id and "expires_at" in fields
            for old, fields in changed_keys
        )
        action = AuditAction.key_rotate if rotation else AuditAction.key_create
        record(session, action, API_CLIENT, str(key.client_id), details={"key_id": str(key.id)})
    # Keys that lapse in a rotation or fall with their client are part of that event.
    settled = revoked | {key.client_id for key in new_keys}
    for key, fields in changed_keys:
        if key.client_id in settled and fields <= {"expires_at", "revoked_at"}:
            continue
        ended = "revoked_at" in fields and key.revoked_at is not None
        record(
            session,
            AuditAction.key_revoke if ended else AuditAction.key_update,
            API_CLIENT,
            str(key.client_id),
            fields=None if ended else fields - _BOOKKEEPING,
            details={"key_id": str(key.id)},
        )
    for key in deleted:
        if isinstance(key, ApiKey) and key.client_id not in revoked:
            details = {"key_id": str(key.id)}
            record(session, AuditAction.key_revoke, API_CLIENT, str(key.client_id), details=details)


def _before_flush(session: Session, _context: UOWTransaction, _instances: object) -> None:
    if _actor(session) is None:
        return
    new = list(session.new)
    changed = [instance for instance in session.dirty if session.is_modified(instance)]
    deleted = list(session.deleted)
    # Resources first, so that link rows of a resource created in this flush are absorbed.
    for instance in new + changed:
        _record_resource(session, instance)
    for instance in deleted:
        _record_resource(session, instance, deleted=True)
    _record_credentials(session, new, changed, deleted)
    for instance in new + changed + deleted:
        if type(instance) in _LINKS:
            _record_link(session, instance)


def _statement_values(statement: Any) -> dict[str, Any]:
    """Column names and values an UPDATE statement sets."""
    values = getattr(statement, "_values", None) or dict(
        getattr(statement, "_ordered_values", None) or ()
    )
    return {
        str(getattr(column, "key", column)): getattr(value, "value", value)
        for column, value in values.items()
    }


def _affected(session: Session, statement: Any, *columns: Any) -> list[tuple[Any, ...]]:
    """The rows an UPDATE or DELETE is about to touch, found with its own WHERE clause."""
    query = sa.select(*columns).distinct()
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    return [tuple(row) for row in session.execute(query)]


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk UPDATE and DELETE statements bypass the flush: record the rows they touch."""
    mapper = state.bind_mapper
    if not (state.is_update or state.is_delete) or mapper is None:
        return
    session = state.session
    if _actor(session) is None:
        return
    cls, statement = mapper.class_, state.statement
    values = {} if state.is_delete else _statement_values(statement)
    names = _FIELD_NAMES.get(cls, {})
    fields = {names.get(name, name) for name in values} - _BOOKKEEPING
    link = _LINKS.get(cls)
    if link is not None:
        for (parent_id,) in _affected(session, statement, getattr(cls, link.parent_key)):
            record(
                session, AuditAction.update, link.parent_type, str(parent_id), fields=[link.field]
            )
    elif cls is ApiKey:
        revoked = state.is_delete or values.get("revoked_at") is not None
        for key_id, client_id in _affected(
            session, statement, col(ApiKey.id), col(ApiKey.client_id)
        ):
            record(
                session,
                AuditAction.key_revoke if revoked else AuditAction.key_update,
                API_CLIENT,
                str(client_id),
                fields=None if revoked else fields,
                details={"key_id": str(key_id)},
            )
    elif cls is ApiClient:
        revoked = state.is_delete or values.get("revoked_at") is not None
        for (client_id,) in _affected(session, statement, col(ApiClient.id)):
            record(
                session,
                AuditAction.client_revoke if revoked else AuditAction.client_update,
                API_CLIENT,
                str(client_id),
                fields=None if revoked else fields,
            )
    elif (resource_type := resource_type_of(cls)) is not None:
        ending = state.is_delete or values.get("deleted_at") is not None
        for (resource_id,) in _affected(session, statement, mapper.primary_key[0]):
            record(
                session,
                AuditAction.delete if ending else AuditAction.update,
                resource_type,
                str(resource_id),
                fields=None if ending else fields,
            )


def _before_commit(session: Session) -> None:
    """A transaction whose only writes moved `updated_at` (a PATCH repeating the current
    values) still leaves its update events, with no fields."""
    if session.in_nested_transaction():
        return
    bumps: dict[tuple[str, str], AuditAction] = session.info.pop(_BUMPS, {})
    actor = _actor(session)
    if actor is None or session.info.get(_TRACKED):
        return
    for key, action in bumps.items():
        _add_event(session, actor, action, key, _details(actor, [], None))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TRACKED, None)
        session.info.pop(_BUMPS, None)
        return
    # A rolled-back savepoint took its events with it.
    tracked: dict[tuple[str, str], AuditEvent] = session.info.get(_TRACKED, {})
    for key, audit_event in list(tracked.items()):
        if audit_event not in session:
            del tracked[key]


def install() -> None:
    """Listen on every session; sessions that act for no one are left alone."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("do_orm_execute", _on_execute),
        ("before_commit", _before_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()
