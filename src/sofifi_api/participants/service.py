"""Participants: every read and write of personal data (NIK, phone, birth date) happens here."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import SQLModel, col, delete, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.service import ensure_area_exists
from sofifi_api.db import utcnow
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.errors import Conflict, FieldError, NotFound, ValidationFailed
from sofifi_api.pagination import PageRequest, cut_page, keyset
from sofifi_api.participants.models import (
    GROUP_FIELDS,
    PERSON_FIELDS,
    Gender,
    GroupCreate,
    GroupMember,
    GroupPublic,
    LawfulBasis,
    Participant,
    ParticipantKind,
    ParticipantUpdate,
    PersonCreate,
    PersonPublic,
    PersonSummary,
)
from sofifi_api.schemas import require_non_null

# Device clocks drift; a consent time slightly ahead of ours is not a mistake.
_CLOCK_SKEW = timedelta(minutes=5)


class ParticipantNotFound(NotFound):
    def __init__(self, participant_id: uuid.UUID | str) -> None:
        super().__init__(f"No participant with id {participant_id}.")


class DuplicateNik(Conflict):
    def __init__(self) -> None:
        # The NIK itself is never repeated back.
        super().__init__("Another live person already has this NIK.")


async def get_participant(session: AsyncSession, participant_id: uuid.UUID) -> Participant:
    participant = await session.get(Participant, participant_id)
    if participant is None or participant.deleted_at is not None:
        raise ParticipantNotFound(participant_id)
    return participant


async def live_participant_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these ids name a participant that exists and is not deleted (one query)."""
    return await _live_ids(session, ids, kind=None)


async def _live_ids(
    session: AsyncSession, ids: Iterable[uuid.UUID], *, kind: ParticipantKind | None
) -> set[uuid.UUID]:
    wanted = set(ids)
    if not wanted:
        return set()
    statement = select(Participant.id).where(
        col(Participant.id).in_(wanted), col(Participant.deleted_at).is_(None)
    )
    if kind is not None:
        statement = statement.where(Participant.kind == kind)
    return set((await session.exec(statement)).all())


async def _members_by_group(
    session: AsyncSession, group_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Member ids of each group, in id order; one query for all the groups."""
    members: dict[uuid.UUID, list[uuid.UUID]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return members
    rows = await session.exec(
        select(GroupMember.group_id, GroupMember.member_id)
        .where(col(GroupMember.group_id).in_(group_ids))
        .order_by(col(GroupMember.group_id), col(GroupMember.member_id))
    )
    for group_id, member_id in rows.all():
        members[group_id].append(member_id)
    return members


def _fields_of(participant: Participant, model: type[SQLModel]) -> dict[str, Any]:
    """The stored values of `model`'s fields, read one by one so nothing else is touched."""
    return {
        name: getattr(participant, name)
        for name in model.model_fields
        if hasattr(Participant, name)
    }


def _group_public(group: Participant, member_ids: list[uuid.UUID]) -> GroupPublic:
    return GroupPublic.model_validate(
        _fields_of(group, GroupPublic)
        | {"member_ids": member_ids, "members_count": len(member_ids)}
    )


def _person_summary(person: Participant) -> PersonSummary:
    return PersonSummary.model_validate(_fields_of(person, PersonSummary))


def _person_public(person: Participant) -> PersonPublic:
    return PersonPublic.model_validate(_fields_of(person, PersonPublic))


async def participant_public(
    session: AsyncSession, participant: Participant
) -> PersonPublic | GroupPublic:
    """The single-participant representation, with personal data."""
    if participant.kind == ParticipantKind.person:
        return _person_public(participant)
    members = await _members_by_group(session, [participant.id])
    return _group_public(participant, members[participant.id])


async def list_participants(
    session: AsyncSession,
    page: PageRequest,
    *,
    kind: ParticipantKind | None = None,
    gender: Gender | None = None,
    area_code: str | None = None,
    group_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    birth_year_from: int | None = None,
    birth_year_to: int | None = None,
    name_contains: str | None = None,
    updated_since: datetime | None = None,
    include_deleted: bool = False,
) -> tuple[list[PersonSummary | GroupPublic], str | None]:
    """A page of participants as lists show them: no personal data; two queries per page."""
    statement = select(Participant)
    if not include_deleted:
        statement = statement.where(col(Participant.deleted_at).is_(None))
    if kind is not None:
        statement = statement.where(Participant.kind == kind)
    if gender is not None:
        statement = statement.where(Participant.gender == gender)
    if area_code is not None:
        statement = statement.where(Participant.area_code == area_code)
    if group_id is not None:
        members = select(GroupMember.member_id).where(GroupMember.group_id == group_id)
        statement = statement.where(col(Participant.id).in_(members))
    if member_id is not None:
        groups = select(GroupMember.group_id).where(GroupMember.member_id == member_id)
        statement = statement.where(col(Participant.id).in_(groups))
    if birth_year_from is not None:
        statement = statement.where(col(Participant.birth_year) >= birth_year_from)
    if birth_year_to is not None:
        statement = statement.where(col(Participant.birth_year) <= birth_year_to)
    if name_contains:
        statement = statement.where(
            or_(
                col(Participant.full_name).icontains(name_contains, autoescape=True),
                col(Participant.name).icontains(name_contains, autoescape=True),
            )
        )
    if updated_since is not None:
        statement = statement.where(col(Participant.updated_at) >= updated_since)
    rows = (await session.exec(keyset(statement, col(Participant.id), page))).all()
    participants, next_key = cut_page(rows, page, lambda participant: participant.id)
    members_of = await _members_by_group(
        session, [p.id for p in participants if p.kind == ParticipantKind.group]
    )
    items: list[PersonSummary | GroupPublic] = [
        _group_public(p, members_of[p.id])
        if p.kind == ParticipantKind.group
        else _person_summary(p)
        for p in participants
    ]
    return items, next_key


async def _ensure_nik_free(
    session: AsyncSession, nik: str, *, other_than: uuid.UUID | None = None
) -> None:
    statement = select(Participant.id).where(
        Participant.nik == nik, col(Participant.deleted_at).is_(None)
    )
    if other_than is not None:
        statement = statement.where(Participant.id != other_than)
    if (await session.exec(statement.limit(1))).first() is not None:
        raise DuplicateNik


def _check_person(values: dict[str, Any]) -> None:
    """Rules across a person's fields, on a create or on the merged result of a PATCH."""
    born = values.get("birth_date")
    if born is not None and values.get("birth_year") not in (None, born.year):
        raise ValidationFailed.for_field(
            "birth_year", "birth_year must be the year of birth_date.", code="birth_year_mismatch"
        )
    consent_at = values.get("consent_at")
    if consent_at is not None and not values.get("consent_given"):
        raise ValidationFailed.for_field(
            "consent_at",
            "consent_at is only kept while consent_given is true; send consent_at as null "
            "when consent is withdrawn.",
            code="consent_not_given",
        )
    if consent_at is not None and consent_at > utcnow() + _CLOCK_SKEW:
        raise ValidationFailed.for_field(
            "consent_at", "consent_at cannot be in the future.", code="date_in_future"
        )
    if values.get("consent_basis") == LawfulBasis.consent and not values.get("consent_given"):
        raise ValidationFailed.for_field(
            "consent_basis",
            "consent_basis consent needs consent_given true; choose another lawful basis or "
            "record the consent.",
            code="consent_not_given",
        )


async def _ensure_live_persons(session: AsyncSession, member_ids: list[uuid.UUID]) -> None:
    """Refuse (422 naming member_ids) ids that are not live persons; one query for all."""
    live = await _live_ids(session, member_ids, kind=ParticipantKind.person)
    missing = [str(member_id) for member_id in member_ids if member_id not in live]
    if missing:
        raise ValidationFailed.for_field(
            "member_ids",
            f"Not the id of a live person: {', '.join(missing)}.",
            code="unknown_reference",
        )


async def _replace_members(
    session: AsyncSession, group: Participant, member_ids: list[uuid.UUID]
) -> None:
    await session.exec(delete(GroupMember).where(col(GroupMember.group_id) == group.id))
    session.add_all(GroupMember(group_id=group.id, member_id=member_id) for member_id in member_ids)
    await session.flush()


async def create_participant(
    session: AsyncSession, data: PersonCreate | GroupCreate
) -> PersonPublic | GroupPublic:
    if data.area_code is not None:
        await ensure_area_exists(session, data.area_code, field="area_code")
    if isinstance(data, PersonCreate):
        return await _create_person(session, data)
    return await _create_group(session, data)


async def _create_person(session: AsyncSession, data: PersonCreate) -> PersonPublic:
    values = data.model_dump(exclude={"kind"})
    if values["birth_date"] is not None and values["birth_year"] is None:
        values["birth_year"] = values["birth_date"].year
    _check_person(values)
    if values["nik"] is not None:
        await _ensure_nik_free(session, values["nik"])
    person = Participant(kind=ParticipantKind.person, **values)
    session.add(person)
    await session.flush()
    return _person_public(person)


async def _create_group(session: AsyncSession, data: GroupCreate) -> GroupPublic:
    member_ids = list(dict.fromkeys(data.member_ids))
    await _ensure_live_persons(session, member_ids)
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
    session: AsyncSession, participant: Participant, data: ParticipantUpdate
) -> PersonPublic | GroupPublic:
    """Change only the fields sent; `member_ids` replaces the whole membership."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    kind = ParticipantKind(participant.kind)
    _refuse_other_kind_fields(kind, changes)
    changes.pop("kind", None)
    if changes.get("area_code") is not None:
        await ensure_area_exists(session, changes["area_code"], field="area_code")
    if kind == ParticipantKind.person:
        await _update_person(session, participant, changes)
        result: PersonPublic | GroupPublic = _person_public(participant)
    else:
        result = await _update_group(session, participant, changes)
    return result


async def _update_person(
    session: AsyncSession, person: Participant, changes: dict[str, Any]
) -> None:
    require_non_null(changes, "full_name", "consent_given")
    if changes.get("birth_date") is not None and "birth_year" not in changes:
        changes["birth_year"] = changes["birth_date"].year
    _check_person({name: getattr(person, name) for name in PERSON_FIELDS} | changes)
    if changes.get("nik") is not None and changes["nik"] != person.nik:
        await _ensure_nik_free(session, changes["nik"], other_than=person.id)
    person.sqlmodel_update(changes)
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()


async def _update_group(
    session: AsyncSession, group: Participant, changes: dict[str, Any]
) -> GroupPublic:
    require_non_null(changes, "name", "member_ids")
    new_members = changes.pop("member_ids", None)
    if new_members is not None:
        new_members = list(dict.fromkeys(new_members))
        await _ensure_live_persons(session, new_members)
    group.sqlmodel_update(changes)
    group.updated_at = utcnow()
    session.add(group)
    await session.flush()
    if new_members is None:
        new_members = (await _members_by_group(session, [group.id]))[group.id]
    else:
        await _replace_members(session, group, new_members)
    return _group_public(group, sorted(new_members))


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
    participant.deleted_at = now
    participant.updated_at = now
    session.add(participant)
    await session.flush()
