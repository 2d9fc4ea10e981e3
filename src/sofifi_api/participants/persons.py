"""Persons: their personal data (NIK, phone, birth date), its checks and its erasure."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.areas import AreaScope
from sofifi_api.db import utcnow
from sofifi_api.errors import Conflict, NotFound, ValidationFailed
from sofifi_api.idempotency.service import replace_personal_data_answers
from sofifi_api.participants.models import (
    ERASED_FIELDS,
    PERSON_FIELDS,
    LawfulBasis,
    Participant,
    ParticipantKind,
    PersonalDataState,
    PersonCreate,
    PersonPublic,
    PersonSummary,
)
from sofifi_api.participants.personal_data import (
    PERSONAL_FIELDS,
    nik_digest,
    read_personal_data,
    wipe_personal_data,
    write_personal_data,
)
from sofifi_api.participants.visibility import PARTICIPANTS

# Device clocks drift; a consent time slightly ahead of ours is not a mistake.
_CLOCK_SKEW = timedelta(minutes=5)


class NoPersonWithNik(NotFound):
    def __init__(self) -> None:
        # The NIK itself is never repeated back.
        super().__init__("No live person with this NIK.")


class DuplicateNik(Conflict):
    def __init__(self) -> None:
        super().__init__("Another live person already has this NIK.")


class ParticipantErased(Conflict):
    def __init__(self, fields: Iterable[str]) -> None:
        super().__init__(
            f"This person was erased; personal data ({', '.join(sorted(fields))}) cannot be "
            "recorded again. Register the person anew if they consent."
        )


class NothingToErase(Conflict):
    def __init__(self) -> None:
        super().__init__("A group holds no personal data; only persons can be erased.")


def _first_holder_first() -> tuple[Any, ...]:
    """Holders of one NIK in review order: the person not flagged as a possible duplicate
    (there is at most one live), then the flagged ones, oldest first."""
    return (col(Participant.possible_duplicate_of).is_not(None), col(Participant.id))


async def find_person_by_nik(session: AsyncSession, nik: str, *, areas: AreaScope) -> Participant:
    """The live person in `areas` holding this NIK, found by its digest; among possible
    duplicates, the one not flagged first."""
    statement = PARTICIPANTS.readable(areas).where(
        Participant.nik_digest == nik_digest(nik), col(Participant.deleted_at).is_(None)
    )
    person = (await session.exec(statement.order_by(*_first_holder_first()).limit(1))).first()
    if person is None:
        raise NoPersonWithNik
    return person


@dataclass(frozen=True)
class PossibleDuplicate:
    participant_id: uuid.UUID
    duplicate_of: uuid.UUID


async def possible_duplicates(session: AsyncSession) -> list[PossibleDuplicate]:
    """Live persons flagged as holding the NIK of another, for an operator to review."""
    statement = (
        select(Participant.id, Participant.possible_duplicate_of)
        .where(
            col(Participant.possible_duplicate_of).is_not(None),
            col(Participant.deleted_at).is_(None),
        )
        .order_by(col(Participant.id))
    )
    return [
        PossibleDuplicate(participant_id, duplicate_of)
        for participant_id, duplicate_of in (await session.exec(statement)).all()
        if duplicate_of is not None
    ]


def fields_of(participant: Participant, model: type[SQLModel]) -> dict[str, Any]:
    """The stored values of `model`'s fields, read one by one so nothing else is touched."""
    return {
        name: getattr(participant, name)
        for name in model.model_fields
        if hasattr(Participant, name)
    }


def person_summary(person: Participant) -> PersonSummary:
    return PersonSummary.model_validate(fields_of(person, PersonSummary))


def person_public(
    person: Participant, *, with_personal_data: bool, shows_duplicates: bool = False
) -> PersonPublic:
    """The person; NIK, phone and birth date are decrypted only for a caller who may see them,
    `possible_duplicate_of` shown only with them and `shows_duplicates` (a caller bound to no
    area, who may see the other person too)."""
    personal: dict[str, Any] = {}
    if person.erased_at is not None:
        state = PersonalDataState.erased
    elif with_personal_data:
        state = PersonalDataState.included
        personal = read_personal_data(person)
        if shows_duplicates:
            personal["possible_duplicate_of"] = person.possible_duplicate_of
    else:
        state = PersonalDataState.redacted
    return PersonPublic.model_validate(
        fields_of(person, PersonSummary) | personal | {"personal_data": state}
    )


async def check_nik(
    session: AsyncSession,
    digest: str,
    *,
    areas: AreaScope,
    sees_personal_data: bool,
    other_than: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """The NIK uniqueness rule, which must not tell a caller of people it may not see.

    A live person already holding the NIK is a 409 only for a caller that may see that person
    (granted `participants:pii`, the person within its areas): it learns nothing new. For any
    other caller a 409 would confirm that the NIK exists somewhere, so the person is accepted
    as with an unknown NIK, the same query run either way; the holder's id is returned, to
    flag the new person as a possible duplicate. None: nobody live holds the NIK.
    """
    statement = select(Participant.id, PARTICIPANTS.where(areas).label("visible")).where(
        Participant.nik_digest == digest, col(Participant.deleted_at).is_(None)
    )
    if other_than is not None:
        statement = statement.where(Participant.id != other_than)
    holders = (await session.exec(statement.order_by(*_first_holder_first()))).all()
    if not holders:
        return None
    if sees_personal_data and any(visible for _, visible in holders):
        raise DuplicateNik
    return holders[0][0]


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


async def create_person(
    session: AsyncSession, data: PersonCreate, *, areas: AreaScope, with_personal_data: bool
) -> PersonPublic:
    values = data.model_dump(exclude={"kind"})
    if values["birth_date"] is not None and values["birth_year"] is None:
        values["birth_year"] = values["birth_date"].year
    _check_person(values)
    if values["nik"] is not None:
        values["possible_duplicate_of"] = await check_nik(
            session,
            nik_digest(values["nik"]),
            areas=areas,
            sees_personal_data=with_personal_data,
        )
    personal = {name: values.pop(name) for name in PERSONAL_FIELDS}
    person = Participant(kind=ParticipantKind.person, **values)
    write_personal_data(person, personal)
    session.add(person)
    await session.flush()
    return person_public(
        person, with_personal_data=with_personal_data, shows_duplicates=areas.unrestricted
    )


async def update_person(
    session: AsyncSession,
    person: Participant,
    changes: dict[str, Any],
    *,
    areas: AreaScope,
    with_personal_data: bool,
) -> None:
    if person.erased_at is not None and changes.keys() & ERASED_FIELDS:
        raise ParticipantErased(changes.keys() & ERASED_FIELDS)
    if changes.get("birth_date") is not None and "birth_year" not in changes:
        changes["birth_year"] = changes["birth_date"].year
    stored = {name: getattr(person, name) for name in PERSON_FIELDS if hasattr(person, name)}
    if person.birth_date_ciphertext is not None and "birth_date" not in changes:
        stored["birth_date"] = read_personal_data(person)["birth_date"]
    _check_person(stored | changes)
    if "nik" in changes and changes["nik"] is None:
        person.possible_duplicate_of = None
    elif changes.get("nik") is not None:
        digest = nik_digest(changes["nik"])
        if digest != person.nik_digest:
            person.possible_duplicate_of = await check_nik(
                session,
                digest,
                areas=areas,
                sees_personal_data=with_personal_data,
                other_than=person.id,
            )
    personal = {name: changes.pop(name) for name in PERSONAL_FIELDS if name in changes}
    write_personal_data(person, personal)
    person.sqlmodel_update(changes)
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()


async def erase_person(session: AsyncSession, participant: Participant) -> PersonPublic:
    """Wipe a person's personal data for good, keeping what aggregates count.

    Name, NIK, phone, birth date and the consent record go; kind, gender, birth year, area,
    group memberships and enrollments stay. Erasing twice changes nothing the second time.
    Deleted persons can be erased too: a tombstone still holds the data.
    """
    if participant.kind != ParticipantKind.person:
        raise NothingToErase
    if participant.erased_at is None:
        now = utcnow()
        wipe_personal_data(participant)
        participant.full_name = None
        participant.possible_duplicate_of = None
        participant.consent_given = False
        participant.consent_at = None
        participant.consent_basis = None
        participant.erased_at = now
        participant.updated_at = now
        session.add(participant)
        await session.flush()
    erased = person_public(participant, with_personal_data=True)
    # Answers kept for an Idempotency-Key would otherwise replay what was just wiped.
    await replace_personal_data_answers(session, participant.id, erased.model_dump_json().encode())
    return erased


def withhold_personal_data(representation: bytes) -> bytes:
    """A person's representation (JSON) that showed personal data, as a client without
    `participants:pii` is shown it: NIK, phone and birth date null, `redacted`."""
    shown = PersonPublic.model_validate_json(representation)
    withheld = shown.model_copy(
        update=dict.fromkeys((*PERSONAL_FIELDS, "possible_duplicate_of"))
        | {"personal_data": PersonalDataState.redacted}
    )
    return withheld.model_dump_json().encode()
