"""Keys for personal data at rest: rotation, digests, development keys, re-encryption."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from sofifi_api.cli import app
from sofifi_api.config import Settings, get_settings
from sofifi_api.main import create_app
from sofifi_api.participants.crypto import PersonalDataKeyError, PersonalDataKeys, keys_for
from sofifi_api.participants.models import Participant, ParticipantKind
from sofifi_api.participants.personal_data import reencrypt_personal_data
from tests.participants.conftest import NIK, PHONE

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def keys(pii_keys: str | None = None, **settings: str) -> PersonalDataKeys:
    return keys_for(Settings(pii_keys=pii_keys, **settings))  # type: ignore[arg-type]


def test_first_key_encrypts_and_every_key_decrypts() -> None:
    token = keys(OLD_KEY).encrypt(NIK)

    rotated = keys(f"{NEW_KEY},{OLD_KEY}")

    assert rotated.decrypt(token) == NIK
    assert keys(NEW_KEY).decrypt(rotated.encrypt(NIK)) == NIK


def test_reencrypt_moves_a_token_to_the_first_key() -> None:
    token = keys(OLD_KEY).encrypt(NIK)

    moved = keys(f"{NEW_KEY},{OLD_KEY}").reencrypt(token)

    assert keys(NEW_KEY).decrypt(moved) == NIK


def test_token_under_a_dropped_key_cannot_be_read() -> None:
    token = keys(OLD_KEY).encrypt(NIK)

    with pytest.raises(PersonalDataKeyError) as raised:
        keys(NEW_KEY).decrypt(token)

    assert NIK not in str(raised.value)


def test_nik_digest_survives_a_key_prepended_for_rotation() -> None:
    assert keys(OLD_KEY).nik_digest(NIK) == keys(f"{NEW_KEY},{OLD_KEY}").nik_digest(NIK)


def test_digest_key_setting_decides_the_digest() -> None:
    own = keys(OLD_KEY, pii_digest_key="a-long-random-digest-key")

    assert own.nik_digest(NIK) != keys(OLD_KEY).nik_digest(NIK)
    assert own.nik_digest(NIK) == keys(
        NEW_KEY, pii_digest_key="a-long-random-digest-key"
    ).nik_digest(NIK)


def test_without_keys_both_are_derived_from_the_secret_key() -> None:
    first = keys(secret_key="first-development-secret")
    second = keys(secret_key="second-development-secret")

    assert first.decrypt(first.encrypt(NIK)) == NIK
    assert first.nik_digest(NIK) != second.nik_digest(NIK)
    with pytest.raises(PersonalDataKeyError):
        second.decrypt(first.encrypt(NIK))


def test_a_malformed_key_is_refused_by_position_without_repeating_it() -> None:
    with pytest.raises(PersonalDataKeyError) as raised:
        keys(f"{NEW_KEY},not-a-fernet-key")

    assert "entry 2" in str(raised.value)
    assert "not-a-fernet-key" not in str(raised.value)


def test_the_service_does_not_start_with_a_malformed_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOFIFI_PII_KEYS", "not-a-fernet-key")
    get_settings.cache_clear()
    try:
        with pytest.raises(PersonalDataKeyError) as raised:
            create_app()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert "entry 1" in str(raised.value)


async def test_reencryption_rewrites_stored_data_under_the_new_keys(
    session: AsyncSession,
) -> None:
    before = keys(OLD_KEY)
    person = Participant(
        kind=ParticipantKind.person,
        full_name="Siti Hadija",
        nik_digest=before.nik_digest(NIK),
        nik_ciphertext=before.encrypt(NIK),
        phone_ciphertext=before.encrypt(PHONE),
        birth_date_ciphertext=before.encrypt("1986-07-01"),
    )
    session.add(person)
    await session.flush()
    after = keys(f"{NEW_KEY},{OLD_KEY}", pii_digest_key="a-long-random-digest-key")

    rewritten = await reencrypt_personal_data(session, after, batch_size=1)

    assert rewritten == 1
    stored = (await session.exec(select(Participant).where(col(Participant.id) == person.id))).one()
    only_new = keys(NEW_KEY)
    assert only_new.decrypt(stored.nik_ciphertext or "") == NIK
    assert only_new.decrypt(stored.phone_ciphertext or "") == PHONE
    assert only_new.decrypt(stored.birth_date_ciphertext or "") == "1986-07-01"
    assert stored.nik_digest == after.nik_digest(NIK)


def test_generate_key_prints_a_fernet_key() -> None:
    result = CliRunner().invoke(app, ["participants", "generate-key"])

    assert result.exit_code == 0
    Fernet(result.output.strip().encode())


def test_rekey_runs_on_a_migrated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        result = runner.invoke(app, ["participants", "rekey"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert "Re-encrypted the personal data of 0 participants." in result.output
