"""Reading the change feed: positions, the visibility boundary and current representations."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.representation import AREAS
from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.changes.models import Change, ChangeOp, ChangeType
from sofifi_api.changes.visibility import saw_it_leave
from sofifi_api.consultations.models import ConsultationPublic
from sofifi_api.errors import InvalidCursor
from sofifi_api.feedback.models import FeedbackPublic, ReviewStatus
from sofifi_api.infrastructure_projects.service import describe_projects
from sofifi_api.organizations.representation import ORGANIZATIONS
from sofifi_api.participants.service import summaries
from sofifi_api.programs.representation import PROGRAMS
from sofifi_api.representations.collection import Collection
from sofifi_api.representations.collections import CONTRIBUTIONS, ENROLLMENTS
from sofifi_api.resources import VISIBILITY
from sofifi_api.surveys.models import SurveyPublic
from sofifi_api.surveys.service import with_latest_versions

Represent = Callable[[AsyncSession, Sequence[Any], AreaScope], Awaitable[Sequence[BaseModel]]]


@dataclass(frozen=True, order=True)
class Position:
    """Where a follower stands: after the change (txid, seq). The start is (0, 0)."""

    txid: int = 0
    seq: int = 0

    def key(self) -> str:
        return f"{self.txid}:{self.seq}"

    @classmethod
    def parse(cls, key: str) -> "Position":
        txid, _, seq = key.partition(":")
        if not (txid.isdigit() and seq.isdigit()):
            raise InvalidCursor
        return cls(int(txid), int(seq))


def _each(public: type[BaseModel]) -> Represent:
    async def represent_each(
        _session: AsyncSession, rows: Sequence[Any], _areas: AreaScope
    ) -> list[BaseModel]:
        return [public.model_validate(row) for row in rows]

    return represent_each


async def _projects(
    session: AsyncSession, projects: Sequence[Any], _areas: AreaScope
) -> Sequence[BaseModel]:
    return await describe_projects(session, projects)


async def _surveys(
    session: AsyncSession, surveys: Sequence[Any], _areas: AreaScope
) -> Sequence[BaseModel]:
    return [
        SurveyPublic.of(survey, latest)
        for survey, latest in await with_latest_versions(session, list(surveys))
    ]


# Each changed resource's key, with the resource as its list shows it (None: it is deleted).
Current = dict[str, dict[str, Any] | None]


@dataclass(frozen=True)
class Kind:
    """How the feed reads one type of resource: the scope that opens it, which rows the client
    sees (the type's one visibility rule), and its representation as its list shows it: the
    read kit's collection where the type has one, its public model otherwise."""

    scope: str
    visibility: Visibility[Any]
    collection: Collection | None = None
    represent: Represent | None = None
    options: tuple[Any, ...] = ()

    @property
    def type(self) -> ChangeType:
        return ChangeType(self.visibility.resource_type)

    def parse_key(self, text: str) -> Any:
        return text if self.visibility.key == "code" else uuid.UUID(text)

    async def current(self, session: AsyncSession, keys: list[str], areas: AreaScope) -> Current:
        """The resources `keys` name that the client sees, live or deleted: one statement
        (and, without a collection, what the public model needs)."""
        key_column = getattr(self.visibility.table, self.visibility.key)
        matching = self.visibility.readable(areas).where(
            col(key_column).in_([self.parse_key(key) for key in keys])
        )
        if self.collection is not None:
            connection = await session.connection()
            dialect = connection.dialect.name
            rows = (await connection.execute(self.collection.select(matching, dialect))).all()
            return {
                str(item[self.collection.key_field]): None if item["deleted_at"] else item
                for item in self.collection.items(rows, dialect)
            }
        assert self.represent is not None, "a kind without a collection represents its rows"
        if self.options:
            matching = matching.options(*self.options)
        rows = list((await session.exec(matching)).all())
        current: Current = {
            str(getattr(row, self.visibility.key)): None
            for row in rows
            if row.deleted_at is not None
        }
        live = [row for row in rows if row.deleted_at is None]
        for row, public in zip(live, await self.represent(session, live, areas), strict=True):
            current[str(getattr(row, self.visibility.key))] = public.model_dump(mode="json")
        return current


KINDS: dict[ChangeType, Kind] = {
    kind.type: kind
    for kind in (
        Kind("organizations:read", VISIBILITY["organization"], ORGANIZATIONS),
        Kind("areas:read", VISIBILITY["area"], AREAS),
        Kind("programs:read", VISIBILITY["program"], PROGRAMS),
        Kind("programs:read", VISIBILITY["enrollment"], ENROLLMENTS),
        Kind("participants:read", VISIBILITY["participant"], represent=summaries),
        Kind("projects:read", VISIBILITY["infrastructure_project"], represent=_projects),
        Kind("projects:read", VISIBILITY["consultation"], represent=_each(ConsultationPublic)),
        Kind("projects:read", VISIBILITY["contribution"], CONTRIBUTIONS),
        Kind("feedback:read", VISIBILITY["feedback"], represent=_each(FeedbackPublic)),
        Kind("surveys:read", VISIBILITY["survey"], represent=_surveys),
    )
}

FEED_SCOPES = tuple(dict.fromkeys(kind.scope for kind in KINDS.values()))


# The oldest transaction still running in this database, or the next transaction id when none
# is: the snapshot lists every transaction running in the cluster, and those that
# pg_stat_activity places in another database cannot write here, so they do not hold the
# feed back. (A transaction it cannot place counts; xids there are 32-bit, without epoch.)
_BOUNDARY = sa.text(
    """
    WITH snap AS (SELECT pg_current_snapshot() AS s),
    elsewhere AS (
        SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
    )
    SELECT least(
        (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
         WHERE x::text::bigint % 4294967296 NOT IN (SELECT xid FROM elsewhere)),
        (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap)
    )
    """
)


async def _boundary(session: AsyncSession) -> int | None:
    """PostgreSQL: the oldest transaction id that may still write here. Changes of
    transactions below it are all committed (or rolled back), so none can appear there
    later; it is read before the changes, so everything below it is in what they read.
    SQLite: no boundary (its writers take turns, and a change becomes visible in `seq`
    order)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return None
    return int((await connection.execute(_BOUNDARY)).scalar_one())


async def _changed_after(
    session: AsyncSession,
    after: Position,
    types: Sequence[ChangeType],
    boundary: int | None,
    limit: int,
) -> list[tuple[int, int, str, str, str | None]]:
    statement = (
        sa.select(
            col(Change.txid),
            col(Change.seq),
            col(Change.resource_type),
            col(Change.resource_id),
            col(Change.left_area_code),
        )
        .where(
            sa.tuple_(col(Change.txid), col(Change.seq)) > sa.tuple_(after.txid, after.seq),
            col(Change.resource_type).in_([str(kind) for kind in types]),
        )
        .order_by(col(Change.txid), col(Change.seq))
        .limit(limit)
    )
    if boundary is not None:
        statement = statement.where(col(Change.txid) < boundary)
    rows = await (await session.connection()).execute(statement)
    return [(txid, seq or 0, kind, key, left) for txid, seq, kind, key, left in rows.all()]


Changed = tuple[ChangeType, str]


def _entry(change_type: ChangeType, key: str, resource: dict[str, Any] | None) -> dict[str, Any]:
    """The feed's entry for a resource: an upsert carrying its representation, or a delete."""
    op = ChangeOp.delete if resource is None else ChangeOp.upsert
    return {"type": str(change_type), "id": key, "op": str(op), "resource": resource}


async def _entries(
    session: AsyncSession,
    changed: list[Changed],
    areas: AreaScope,
    left: dict[Changed, set[str]],
    feedback_review_statuses: frozenset[ReviewStatus] | None,
) -> list[dict[str, Any]]:
    """The current state of each changed resource the client sees, in the given order (as
    `ChangeEntry` writes it); one statement per type. A resource the client no longer sees
    because it left an area the client is bound to (`left`) is a delete for it, and so is
    feedback outside the review statuses asked for."""
    by_type: dict[ChangeType, list[str]] = {}
    for change_type, key in changed:
        by_type.setdefault(change_type, []).append(key)
    found: dict[Changed, dict[str, Any]] = {}
    for change_type, keys in by_type.items():
        current = await KINDS[change_type].current(session, keys, areas)
        if change_type is ChangeType.feedback:
            current = _within_review_statuses(current, feedback_review_statuses)
        for key, resource in current.items():
            found[change_type, key] = _entry(change_type, key, resource)
    if not areas.unrestricted:
        for change in changed:
            if change not in found and saw_it_leave(areas, left.get(change, ())):
                found[change] = _entry(*change, None)
    return [found[change] for change in changed if change in found]


def _within_review_statuses(feedback: Current, statuses: frozenset[ReviewStatus] | None) -> Current:
    """Feedback outside `statuses` (when given) as deleted, the rest as it is."""
    if statuses is None:
        return feedback
    return {
        key: item if item is not None and item["review_status"] in statuses else None
        for key, item in feedback.items()
    }


def _canonical(kind: ChangeType, key: str) -> str:
    # SQLite records uuids as 32 hex digits, PostgreSQL with hyphens; entries use the latter.
    return key if KINDS[kind].visibility.key == "code" else str(uuid.UUID(key))


async def read_changes(
    session: AsyncSession,
    after: Position,
    types: Sequence[ChangeType],
    *,
    areas: AreaScope,
    limit: int,
    feedback_review_statuses: frozenset[ReviewStatus] | None = None,
) -> tuple[list[dict[str, Any]], Position]:
    """Up to `limit` changes after `after`, each resource once with its current state, and
    the position to continue from. Changes the client does not see (outside its areas) are
    passed over, unless the resource left one of its areas: then it is a delete for the client.
    Feedback outside `feedback_review_statuses` (when given) is a delete too, so that a copy
    holding only feedback in those statuses drops feedback that leaves them.
    An empty list means there is nothing more to read now."""
    boundary = await _boundary(session)
    position = after
    while True:
        rows = await _changed_after(session, position, types, boundary, limit)
        if not rows:
            return [], position
        txid, seq, _, _, _ = rows[-1]
        position = Position(txid, seq)
        # A resource changed several times on this page appears once, at its latest change.
        latest: dict[Changed, None] = {}
        left: dict[Changed, set[str]] = {}
        for _, _, kind, key, left_area_code in rows:
            change = (ChangeType(kind), _canonical(ChangeType(kind), key))
            latest.pop(change, None)
            latest[change] = None
            if left_area_code is not None:
                left.setdefault(change, set()).add(left_area_code)
        entries = await _entries(session, list(latest), areas, left, feedback_review_statuses)
        if entries or len(rows) < limit:
            return entries, position


# Above every sequence number: a position (txid, _END_SEQ) stands after all of txid's changes.
_END_SEQ = 2**63 - 1


async def end_position(session: AsyncSession) -> Position:
    """Where a follower stands that has read everything there is now: after every change
    already committed (PostgreSQL: after every transaction below the boundary, so that a
    transaction still running is read when it commits), so it reads only what comes next."""
    boundary = await _boundary(session)
    if boundary is not None:
        return Position(boundary - 1, _END_SEQ)
    connection = await session.connection()
    statement = sa.select(sa.func.max(col(Change.txid)), sa.func.max(col(Change.seq)))
    txid, seq = (await connection.execute(statement)).one()
    return Position(txid or 0, seq or 0)
