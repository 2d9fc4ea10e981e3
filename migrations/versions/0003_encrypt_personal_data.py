"""encrypt personal data

Participants' NIK, phone and exact birth date move from plaintext columns into Fernet tokens
(`nik_ciphertext`, `phone_ciphertext`, `birth_date_ciphertext`); the NIK also gets a keyed
digest (`nik_digest`), unique among live rows, for look-up and duplicate checks. `erased_at`
records an erasure. Existing values are encrypted on the way up and decrypted on the way down
with the keys of the current settings (SOFIFI_PII_KEYS, SOFIFI_PII_DIGEST_KEY).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:30:00.000000+00:00
"""

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from sofifi_api.participants.crypto import PersonalDataKeys, personal_data_keys

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500
_LIVE = sa.text("deleted_at IS NULL")

participants = sa.table(
    "participants",
    sa.column("id", sa.Uuid()),
    sa.column("nik", sa.String(16)),
    sa.column("phone", sa.String(20)),
    sa.column("birth_date", sa.Date()),
    sa.column("nik_digest", sa.String(64)),
    sa.column("nik_ciphertext", sa.Text()),
    sa.column("phone_ciphertext", sa.Text()),
    sa.column("birth_date_ciphertext", sa.Text()),
)


def _rows(columns: Sequence[sa.ColumnClause[Any]]) -> Iterator[sa.Row[Any]]:
    """Rows with any of `columns` set, in id order, a batch at a time."""
    connection = op.get_bind()
    last_id = None
    while True:
        statement = (
            sa.select(participants.c.id, *columns)
            .where(sa.or_(*(column.is_not(None) for column in columns)))
            .order_by(participants.c.id)
            .limit(_BATCH)
        )
        if last_id is not None:
            statement = statement.where(participants.c.id > last_id)
        rows = connection.execute(statement).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _rewrite(
    columns: Sequence[sa.ColumnClause[Any]], convert: Callable[[sa.Row[Any]], dict[str, Any]]
) -> None:
    connection = op.get_bind()
    for row in _rows(columns):
        connection.execute(
            participants.update().where(participants.c.id == row.id).values(**convert(row))
        )


def _encrypted(keys: PersonalDataKeys) -> Callable[[sa.Row[Any]], dict[str, Any]]:
    def convert(row: sa.Row[Any]) -> dict[str, Any]:
        def seal(value: str | None) -> str | None:
            return None if value is None else keys.encrypt(value)

        return {
            "nik_digest": None if row.nik is None else keys.nik_digest(row.nik),
            "nik_ciphertext": seal(row.nik),
            "phone_ciphertext": seal(row.phone),
            "birth_date_ciphertext": seal(
                None if row.birth_date is None else row.birth_date.isoformat()
            ),
        }

    return convert


def _decrypted(keys: PersonalDataKeys) -> Callable[[sa.Row[Any]], dict[str, Any]]:
    def convert(row: sa.Row[Any]) -> dict[str, Any]:
        def clear(token: str | None) -> str | None:
            return None if token is None else keys.decrypt(token)

        born = clear(row.birth_date_ciphertext)
        return {
            "nik": clear(row.nik_ciphertext),
            "phone": clear(row.phone_ciphertext),
            "birth_date": None if born is None else date.fromisoformat(born),
        }

    return convert


def upgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nik_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("nik_ciphertext", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phone_ciphertext", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("birth_date_ciphertext", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    _rewrite(
        [participants.c.nik, participants.c.phone, participants.c.birth_date],
        _encrypted(personal_data_keys()),
    )

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index("uq_participants_nik_live")
    # No table copy on SQLite (3.35+ drops columns in place): other tables' rows refer to it.
    with op.batch_alter_table("participants", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("nik")
        batch_op.drop_column("phone")
        batch_op.drop_column("birth_date")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(
            "uq_participants_nik_digest_live",
            ["nik_digest"],
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nik", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))

    _rewrite(
        [
            participants.c.nik_ciphertext,
            participants.c.phone_ciphertext,
            participants.c.birth_date_ciphertext,
        ],
        _decrypted(personal_data_keys()),
    )

    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index("uq_participants_nik_digest_live")
    with op.batch_alter_table("participants", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("birth_date_ciphertext")
        batch_op.drop_column("phone_ciphertext")
        batch_op.drop_column("nik_ciphertext")
        batch_op.drop_column("nik_digest")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(
            "uq_participants_nik_live",
            ["nik"],
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        )
