"""`sofifi-api participants …`: the keys that protect participants' personal data at rest."""

import asyncio

import typer

from sofifi_api.db import Database
from sofifi_api.participants.crypto import generate_key, personal_data_keys
from sofifi_api.participants.personal_data import reencrypt_personal_data

app = typer.Typer(
    help="Keys that protect participants' personal data at rest.", no_args_is_help=True
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
