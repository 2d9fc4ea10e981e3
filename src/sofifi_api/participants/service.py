"""Participants: reads, writes and deletes of persons and groups, within the caller's areas.

Reads take the caller's `AreaScope` (rows outside it do not exist for the caller) and whether
the caller may see personal data; writes never place a participant outside the caller's areas.
Everything about personal data itself lives in `persons`.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, delete, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from sofifi_api.areas.service import ensure_area_exists
from sofifi_api.auth.areas import AreaScope, refuse_uncovered_fields
from sofifi_api.db import sync_window, tombstone, utcnow
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.errors import FieldError, NotFound, ValidationFailed
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.participants.models import (
    GROUP_FIELDS,
    PERSON_FIELDS,
    Gender,
    GroupCreate,
    GroupMember,
    GroupPublic,
    Participant,
    ParticipantKind,
    ParticipantUpdate,
    PersonCreate,
    PersonPublic,
    PersonSummary,
)
from sofifi_api.participants.persons import (
    create_person,
    fields_of,
    person_public,
    person_summary,
    update_person,
)
from sofifi_api.participants.visibility import PARTICIPANTS


class ParticipantNotFound(NotFound):
    def __init__(self, participant_id: uuid.UUID | str) -> None:
        super().__init__(f"No participant with id {participant_id}.")


async def get_participant(
    session: AsyncSession,
    participant_id: uuid.UUID,
    *,
    areas: AreaScope,
    include_deleted: bool = False,
) -> Participant:
    """The participant, unless it is deleted or outside `areas`: then it does not exist."""
    found = await session.exec(PARTICIPANTS.readable(areas).where(Participant.id == participant_id))
    participant = found.first()
    if participant is None or (participant.deleted_at is not None and not include_deleted):
        raise ParticipantNotFound(participant_id)
    return participant


async def live_participant_ids(
    session: AsyncSession, ids: Iterable[uuid.UUID], *, areas: AreaScope
) -> set[uuid.UUID]:
    """Which of these ids name a participant that exists, is not deleted and lies in `areas`
    (one query)."""
    return await _live_ids(session, ids, kind=None, areas=areas)


async def _live_ids(
    session: AsyncSession,
    ids: Iterable[uuid.UUID],
    *,
    kind: ParticipantKind | None,
    areas: AreaScope,
) -> set[uuid.UUID]:
    wanted = set(ids)
    if not wanted:
        return set()
    statement = select(Participant.id).where(
        col(Participant.id).in_(wanted),
        col(Participant.deleted_at).is_(None),
        PARTICIPANTS.where(areas),
    )
    if kind is not None:
        statement = statement.where(Participant.kind == kind)
    return set((await session.exec(statement)).all())


async def _members_by_group(
    session: AsyncSession, group_ids: Sequence[uuid.UUID], areas: AreaScope
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Member ids in `areas` of each group, in id order; one query for all the groups."""
    members: dict[uuid.UUID, list[uuid.UUID]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return members
    statement = (
        select(GroupMember.group_id, GroupMember.member_id)
        .where(col(GroupMember.group_id).in_(group_ids))
        .order_by(col(GroupMember.group_id), col(GroupMember.member_id))
    )
    if not areas.unrestricted:
        statement = statement.where(PARTICIPANTS.reaches(areas, col(GroupMember.member_id)))
    for group_id, member_id in (await session.exec(statement)).all():
        members[group_id].append(member_id)
    return members


def member_ids_of(group_id: Any, areas: AreaScope) -> ColumnElement[str | None]:
    """SQL: the ids of the members in `areas` of the group whose id is in `group_id`, joined by
    commas (null for none): `_members_by_group` for a query over many groups at once."""
    member_id = col(GroupMember.member_id)
    statement = select(sa.func.aggregate_strings(sa.cast(member_id, sa.String), ",")).where(
        col(GroupMember.group_id) == group_id
    )
    if not areas.unrestricted:
        statement = statement.where(PARTICIPANTS.reaches(areas, member_id))
    return statement.scalar_subquery()


def _group_public(group: Participant, member_ids: list[uuid.UUID]) -> GroupPublic:
    return GroupPublic.model_validate(
        fields_of(group, GroupPublic) | {"member_ids": member_ids, "members_count": len(member_ids)}
    )


async def participant_public(
    session: AsyncSession,
    participant: Participant,
    *,
    areas: AreaScope,
    with_personal_data: bool,
) -> PersonPublic | GroupPublic:
    """The single-participant representation, with personal data if `with_personal_data`."""
    if participant.kind == ParticipantKind.person:
        return person_public(
            participant,
            with_personal_data=with_personal_data,
            shows_duplicates=areas.unrestricted,
        )
    members = await _members_by_group(session, [participant.id], areas)
    return _group_public(participant, members[participant.id])


@dataclass(frozen=True)
class ParticipantFilters:
    kind: ParticipantKind | None = None
    gender: Gender | None = None
    area_code: str | None = None
    group_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    birth_year_from: int | None = None
    birth_year_to: int | None = None
    name_contains: str | None = None
    updated_since: datetime | None = None
    include_deleted: bool = False


def participants_query(
    filters: ParticipantFilters, *, areas: AreaScope
) -> SelectOfScalar[Participant]:
    """The participants a list or an export shows: filtered and within `areas`, in no order
    yet."""
    statement = PARTICIPANTS.readable(areas)
    if filters.kind is not None:
        statement = statement.where(Participant.kind == filters.kind)
    if filters.gender is not None:
        statement = statement.where(Participant.gender == filters.gender)
    if filters.area_code is not None:
        statement = statement.where(Participant.area_code == filters.area_code)
    if filters.group_id is not None or filters.member_id is not None:
        # The other side of the membership must be visible too, or the filter would reveal it.
        other = aliased(Participant)
        visible = select(other.id).where(PARTICIPANTS.where(areas, other))
        if filters.group_id is not None:
            members = select(GroupMember.member_id).where(
                GroupMember.group_id == filters.group_id, col(GroupMember.group_id).in_(visible)
            )
            statement = statement.where(col(Participant.id).in_(members))
        if filters.member_id is not None:
            groups = select(GroupMember.group_id).where(
                GroupMember.member_id == filters.member_id,
                col(GroupMember.member_id).in_(visible),
            )
            statement = statement.where(col(Participant.id).in_(groups))
    if filters.birth_year_from is not None:
        statement = statement.where(col(Participant.birth_year) >= filters.birth_year_from)
    if filters.birth_year_to is not None:
        statement = statement.where(col(Participant.birth_year) <= filters.birth_year_to)
    if filters.name_contains:
        statement = statement.where(
            or_(
                col(Participant.full_name).icontains(filters.name_contains, autoescape=True),
                col(Participant.name).icontains(filters.name_contains, autoescape=True),
            )
        )
    return sync_window(
        statement,
        Participant,
        updated_since=filters.updated_since,
        include_deleted=filters.include_deleted,
    )


async def list_participants(
    session: AsyncSession, page: PageRequest, filters: ParticipantFilters, *, areas: AreaScope
) -> tuple[list[PersonSummary | GroupPublic], str | None]:
    """A page of participants in `areas` as lists show them: no personal data; two queries."""
    statement = participants_query(filters, areas=areas)
    rows = (await session.exec(keyset(statement, col(Participant.id), page))).all()
    participants, next_key = cut_page(rows, page, lambda participant: participant.id)
    return await summaries(session, participants, areas), next_key


async def summaries(
    session: AsyncSession, participants: Sequence[Participant], areas: AreaScope
) -> list[PersonSummary | GroupPublic]:
    """Participants as lists show them: no personal data; members of groups as far as `areas`
    reach. One query for all the groups."""
    members_of = await _members_by_group(
        session, [p.id for p in participants if p.kind == ParticipantKind.group], areas
    )
    return [
        _group_public(p, members_of[p.id]) if p.kind == ParticipantKind.group else person_summary(p)
        for p in participants
    ]


async def _check_area(session: AsyncSession, code: str | None, areas: AreaScope) -> None:
    """A participant must stay where the caller can see it (403), in an area that exists."""
    refuse_uncovered_fields(areas, [("area_code", code)])
    if code is not None:
        await ensure_area_exists(session, code, field="area_code")


async def _ensure_live_persons(
    session: AsyncSession, member_ids: list[uuid.UUID], areas: AreaScope
) -> None:
    """Refuse (422 naming member_ids) ids that are not live persons in `areas`; one query."""
    live = await _live_ids(session, member_ids, kind=ParticipantKind.person, areas=areas)
    missing = [str(member_id) for member_id in member_ids if member_id not in live]
    if missing:
        raise ValidationFailed.for_field(
            "member_ids",
            f"Not the id of a live person: {', '.join(missing)}.",
            code="unknown_reference",
        )


async def _replace_members(
    session: AsyncSession, group: Participant, member_ids: Iterable[uuid.UUID]
) -> None:
    await session.exec(delete(GroupMember).where(col(GroupMember.group_id) == group.id))
    session.add_all(GroupMember(group_id=group.id, member_id=member_id) for member_id in member_ids)
    await session.flush()


async def create_participant(
    session: AsyncSession,
    data: PersonCreate | GroupCreate,
    *,
    areas: AreaScope,
    with_personal_data: bool,
) -> PersonPublic | GroupPublic:
    """Create a person or a group in `areas`; the answer shows personal data only if
    `with_personal_data` (a client may write personal data it cannot read)."""
    await _check_area(session, data.area_code, areas)
    if isinstance(data, PersonCreate):
        return await create_person(
            session, data, areas=areas, with_personal_data=with_personal_data
        )
    return await _create_group(session, data, areas)


async def _create_group(session: AsyncSession, data: GroupCreate, areas: AreaScope) -> GroupPublic:
    member_ids = list(dict.fromkeys(data.member_ids))
    await _ensure_live_persons(session, member_ids, areas)
    group = Participant(
        kind=ParticipantKind.group, **data.model_dump(exclude={"kind", "member_ids"})
    )
    session.add(group)
    await session.flush()
    await _replace_members(session, group, member_ids)
    return _group_public(group, sorted(member_ids))


def _refuse_other_kind_fields(kind: ParticipantKind, changes: dict[str, Any]) -> None:
    if "kind" in changes and changes["kind"] != kind:
        raise ValidationFailed.for_field(
            "kind",
            "kind cannot change; delete the participant and create a new one instead.",
            code="immutable",
        )
    allowed = PERSON_FIELDS if kind == ParticipantKind.person else GROUP_FIELDS
    other = "groups" if kind == ParticipantKind.person else "persons"
    errors = [
        FieldError(
            location="body",
            field=name,
            message=f"{name} applies only to {other}.",
            code="not_allowed_for_kind",
        )
        for name in sorted(changes.keys() - allowed - {"kind"})
    ]
    if errors:
        fields = ", ".join(error.field for error in errors)
        raise ValidationFailed(f"Fields not allowed for a {kind}: {fields}.", errors=errors)


async def update_participant(
    session: AsyncSession,
    participant: Participant,
    data: ParticipantUpdate,
    *,
    areas: AreaScope,
    with_personal_data: bool,
) -> PersonPublic | GroupPublic:
    """Change only the fields sent; `member_ids` replaces the membership within `areas`."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    kind = ParticipantKind(participant.kind)
    _refuse_other_kind_fields(kind, changes)
    changes.pop("kind", None)
    if "area_code" in changes:
        await _check_area(session, changes["area_code"], areas)
    if kind == ParticipantKind.person:
        await update_person(
            session, participant, changes, areas=areas, with_personal_data=with_personal_data
        )
        return person_public(
            participant,
            with_personal_data=with_personal_data,
            shows_duplicates=areas.unrestricted,
        )
    return await _update_group(session, participant, changes, areas)


async def _update_group(
    session: AsyncSession, group: Participant, changes: dict[str, Any], areas: AreaScope
) -> GroupPublic:
    new_members = changes.pop("member_ids", None)
    if new_members is not None:
        new_members = list(dict.fromkeys(new_members))
        await _ensure_live_persons(session, new_members, areas)
    group.sqlmodel_update(changes)
    group.updated_at = utcnow()
    session.add(group)
    await session.flush()
    if new_members is not None:
        # Members the caller cannot see are not the caller's to remove.
        hidden = await _members_outside(session, group, areas)
        await _replace_members(session, group, [*new_members, *hidden])
    members = await _members_by_group(session, [group.id], areas)
    return _group_public(group, members[group.id])


async def _members_outside(
    session: AsyncSession, group: Participant, areas: AreaScope
) -> list[uuid.UUID]:
    if areas.unrestricted:
        return []
    rows = await session.exec(
        select(GroupMember.member_id).where(
            GroupMember.group_id == group.id,
            sa.not_(PARTICIPANTS.reaches(areas, col(GroupMember.member_id))),
        )
    )
    return list(rows.all())


async def delete_participant(session: AsyncSession, participant: Participant) -> None:
    """Tombstone the participant and its live enrollments; drop its group memberships.

    Membership is current state, not history: a deleted person leaves its groups (whose
    `updated_at` moves so that synced copies notice), and a deleted group loses its members.
    """
    now = utcnow()
    if participant.kind == ParticipantKind.person:
        groups = select(GroupMember.group_id).where(GroupMember.member_id == participant.id)
        await session.exec(
            update(Participant)
            .where(col(Participant.id).in_(groups), col(Participant.deleted_at).is_(None))
            .values(updated_at=now)
        )
        await session.exec(delete(GroupMember).where(col(GroupMember.member_id) == participant.id))
    else:
        await session.exec(delete(GroupMember).where(col(GroupMember.group_id) == participant.id))
    await session.exec(
        update(Enrollment)
        .where(
            col(Enrollment.participant_id) == participant.id, col(Enrollment.deleted_at).is_(None)
        )
        .values(deleted_at=now, updated_at=now)
    )
    tombstone(participant, now)
    session.add(participant)
    await session.flush()
