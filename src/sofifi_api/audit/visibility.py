"""Who sees an audit event: a client that sees the resource it names.

Derived from each resource type's visibility rule, so the trail shows an area-bound client
exactly the resources its lists, reads and feed show it. Events about anything without such a
rule (API clients and their keys) are for clients bound to no area only."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from sofifi_api.audit.recording import resource_type_of
from sofifi_api.auth.areas import AreaScope
from sofifi_api.clients.models import AuditEvent
from sofifi_api.db import KeyText
from sofifi_api.resources import VISIBILITY


def _names_visible(areas: AreaScope, event: Any) -> ColumnElement[bool]:
    named: list[ColumnElement[bool]] = []
    for visibility in VISIBILITY.values():
        same_type = event.resource_type == resource_type_of(visibility.table)
        if not visibility.restricted_by_area:
            named.append(same_type)
            continue
        key = getattr(visibility.table, visibility.key)
        visible = select(KeyText(key)).where(visibility.where(areas))
        named.append(sa.and_(same_type, col(event.resource_id).in_(visible)))
    return sa.or_(*named)


def audit_events_visible(areas: AreaScope) -> ColumnElement[bool]:
    """SQL: the audit event names a resource the client sees."""
    if areas.unrestricted:
        return sa.true()
    return _names_visible(areas, AuditEvent)
