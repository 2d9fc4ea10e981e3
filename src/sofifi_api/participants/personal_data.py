"""A person's NIK, phone and exact birth date as stored: encrypted, the NIK also digested."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.participants.crypto import PersonalDataKeys, personal_data_keys
from sofifi_api.participants.models import Participant

PERSONAL_FIELDS = ("nik", "phone", "birth_date")


def nik_digest(nik: str) -> str:
    return personal_data_keys().nik_digest(nik)


def read_personal_data(person: Participant) -> dict[str, Any]:
    """The decrypted `nik`, `phone` and `birth_date` (None where nothing is stored)."""
    keys = personal_data_keys()

    def clear(token: str | None) -> str | None:
        return None if token is None else keys.decrypt(token)

    born = clear(person.birth_date_ciphertext)
    return {
        "nik": clear(person.nik_ciphertext),
        "phone": clear(person.phone_ciphertext),
        "birth_date": None if born is None else date.fromisoformat(born),
    }


def write_personal_data(person: Participant, values: Mapping[str, Any]) -> None:
    """Encrypt the personal fields present in `values`; None clears one."""
    keys = personal_data_keys()

    def sealed(value: str | None) -> str | None:
        return None if value is None else keys.encrypt(value)

    if "nik" in values:
        person.nik_ciphertext = sealed(values["nik"])
        person.nik_digest = None if values["nik"] is None else keys.nik_digest(values["nik"])
    if "phone" in values:
        person.phone_ciphertext = sealed(values["phone"])
    if "birth_date" in values:
        born: date | None = values["birth_date"]
        person.birth_date_ciphertext = sealed(None if born is None else born.isoformat())


def wipe_personal_data(person: Participant) -> None:
    write_personal_data(person, dict.fromkeys(PERSONAL_FIELDS))


async def reencrypt_personal_data(
    session: AsyncSession, keys: PersonalDataKeys, *, batch_size: int = 500
) -> int:
    """Re-encrypt every stored token under the first key and recompute NIK digests.

    Run after a key change (a new first key, or a new digest key), before an old key is
    dropped from the settings. Covers deleted participants too. Returns the rows rewritten.
    """
    rewritten = 0
    last_id = None
    while True:
        statement = (
            select(Participant)
            .where(
                or_(
                    col(Participant.nik_ciphertext).is_not(None),
                    col(Participant.phone_ciphertext).is_not(None),
                    col(Participant.birth_date_ciphertext).is_not(None),
                )
            )
            .order_by(col(Participant.id))
            .limit(batch_size)
        )
        if last_id is not None:
            statement = statement.where(col(Participant.id) > last_id)
        people = (await session.exec(statement)).all()
        if not people:
            return rewritten
        for person in people:
            if person.nik_ciphertext is not None:
                person.nik_ciphertext = keys.reencrypt(person.nik_ciphertext)
                person.nik_digest = keys.nik_digest(keys.decrypt(person.nik_ciphertext))
            if person.phone_ciphertext is not None:
                person.phone_ciphertext = keys.reencrypt(person.phone_ciphertext)
            if person.birth_date_ciphertext is not None:
                person.birth_date_ciphertext = keys.reencrypt(person.birth_date_ciphertext)
            session.add(person)
        await session.flush()
        rewritten += len(people)
        last_id = people[-1].id
        # Rewritten rows are not needed again; keep memory flat on a large table.
        session.expunge_all()
