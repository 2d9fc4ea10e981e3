"""Reading the change feed: positions, the visibility boundary and current representations."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import AreaPublic
from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.visibility import Visibility
from sofifi_api.changes.models import Change, ChangeEntry, ChangeType, change_entry
from sofifi_api.changes.visibility import saw_it_leave
from sofifi_api.consultations.models import ConsultationPublic
from sofifi_api.contributions.models import ContributionPublic
from sofifi_api.enrollments.models import EnrollmentPublic
from sofifi_api.errors import InvalidCursor
from sofifi_api.feedback.models import FeedbackPublic
from sofifi_api.infrastructure_projects.service import describe_projects
from sofifi_api.organizations.models import OrganizationPublic
from sofifi_api.participants.service import summaries
from sofifi_api.programs.service import details_loaders, represent
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


async def _programs(
    session: AsyncSession, programs: Sequence[Any], _areas: AreaScope
) -> Sequence[BaseModel]:
    return await represent(session, programs)


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


@dataclass(frozen=True)
class Kind:
    """How the feed reads one type of resource: the scope that opens it, which rows the client
    sees (the type's one visibility rule), and its representation as its list shows it."""

    scope: str
    visibility: Visibility[Any]
    represent: Represent
    options: tuple[Any, ...] = ()

    @property
    def type(self) -> ChangeType:
        return ChangeType(self.visibility.resource_type)

    def parse_key(self, text: str) -> Any:
        return text if self.visibility.key == "code" else uuid.UUID(text)


KINDS: dict[ChangeType, Kind] = {
    kind.type: kind
    for kind in (
        Kind("organizations:read", VISIBILITY["organization"], _each(OrganizationPublic)),
        Kind("areas:read", VISIBILITY["area"], _each(AreaPublic)),
        Kind("programs:read", VISIBILITY["program"], _programs, details_loaders()),
        Kind("programs:read", VISIBILITY["enrollment"], _each(EnrollmentPublic)),
        Kind("participants:read", VISIBILITY["participant"], summaries),
        Kind("projects:read", VISIBILITY["infrastructure_project"], _projects),
        Kind("projects:read", VISIBILITY["consultation"], _each(ConsultationPublic)),
        Kind("projects:read", VISIBILITY["contribution"], _each(ContributionPublic)),
        Kind("feedback:read", VISIBILITY["feedback"], _each(FeedbackPublic)),
        Kind("surveys:read", VISIBILITY["survey"], _surveys),
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


async def _entries(
    session: AsyncSession,
    changed: list[Changed],
    areas: AreaScope,
    left: dict[Changed, set[str]],
) -> list[ChangeEntry]:
    """The current state of each changed resource the client sees, in the given order; one
    query per type (and what its representation needs). A resource the client no longer sees
    because it left an area the client is bound to (`left`) is a delete for it."""
    by_type: dict[ChangeType, list[str]] = {}
    for change_type, key in changed:
        by_type.setdefault(change_type, []).append(key)
    found: dict[tuple[ChangeType, str], ChangeEntry] = {}
    for change_type, keys in by_type.items():
        kind = KINDS[change_type]
        visibility = kind.visibility
        key_column = getattr(visibility.table, visibility.key)
        statement = visibility.readable(areas).where(
            col(key_column).in_([kind.parse_key(key) for key in keys])
        )
        if kind.options:
            statement = statement.options(*kind.options)
        rows = list((await session.exec(statement)).all())
        live = [row for row in rows if row.deleted_at is None]
        for row in rows:
            if row.deleted_at is not None:
                key = str(getattr(row, visibility.key))
                found[change_type, key] = change_entry(change_type, key, None)
        for row, public in zip(live, await kind.represent(session, live, areas), strict=True):
            key = str(getattr(row, visibility.key))
            found[change_type, key] = change_entry(change_type, key, public)
    if not areas.unrestricted:
        for change in changed:
            if change not in found and saw_it_leave(areas, left.get(change, ())):
                change_type, key = change
                found[change] = change_entry(change_type, key, None)
    return [found[change] for change in changed if change in found]


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
) -> tuple[list[ChangeEntry], Position]:
    """Up to `limit` changes after `after`, each resource once with its current state, and
    the position to continue from. Changes the client does not see (outside its areas) are
    passed over, unless the resource left one of its areas: then it is a delete for the client.
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
        entries = await _entries(session, list(latest), areas, left)
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
