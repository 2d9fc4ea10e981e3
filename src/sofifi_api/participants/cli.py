"""`sofifi-api participants …`: the keys that protect participants' personal data at rest, and
the possible duplicates operators review."""

import asyncio

import typer

from sofifi_api.db import Database
from sofifi_api.participants.crypto import generate_key, personal_data_keys
from sofifi_api.participants.personal_data import reencrypt_personal_data
from sofifi_api.participants.persons import PossibleDuplicate, possible_duplicates

app = typer.Typer(
    help="Keys that protect participants' personal data at rest; possible duplicates.",
    no_args_is_help=True,
)


@app.command("generate-key")
def generate_key_command() -> None:
    """Print a new key for SOFIFI_PII_KEYS.

    To rotate keys, put the new one first, keep the old ones after it, then run `rekey`.
    """
    typer.echo(generate_key())


@app.command()
def rekey() -> None:
    """Re-encrypt stored personal data under the current keys.

    Encrypts every token again under the first key of SOFIFI_PII_KEYS and recomputes the NIK
    digests; run it after a key change, before an old key is dropped.
    """

    async def run() -> int:
        database = Database()
        try:
            async with database.sessionmaker() as session:
                count = await reencrypt_personal_data(session, personal_data_keys())
                await session.commit()
                return count
        finally:
            await database.dispose()

    count = asyncio.run(run())
    typer.echo(f"Re-encrypted the personal data of {count} participants.")


@app.command()
def duplicates() -> None:
    """List live persons registered with a NIK another live person held.

    Such a registration came from a client that may not see the other person, so it was
    accepted and flagged rather than refused. One line per flagged person: its id and the id
    of the person holding the NIK before it. Review both; correct the NIK (a PATCH clears
    the flag), or delete or erase one of them.
    """

    async def run() -> list[PossibleDuplicate]:
        database = Database()
        try:
            async with database.sessionmaker() as session:
                return await possible_duplicates(session)
        finally:
            await database.dispose()

    pairs = asyncio.run(run())
    for pair in pairs:
        typer.echo(f"{pair.participant_id}\t{pair.duplicate_of}")
    typer.echo(f"{len(pairs)} possible duplicates.")
