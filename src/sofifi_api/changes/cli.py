"""`sofifi-api changes …`: upkeep of the change log behind `GET /v1/changes`."""

import asyncio

import typer

from sofifi_api.changes.compaction import compact_changes
from sofifi_api.db import Database

app = typer.Typer(help="Upkeep of the change log behind the change feed.", no_args_is_help=True)


@app.command()
def compact() -> None:
    """Remove the changes a later change of the same resource supersedes.

    Each resource keeps its latest change (a deletion's tombstone included), so no follower of
    the feed misses anything, and one far behind reads fewer entries. Safe to run while the
    service serves; run it, for example, nightly.
    """

    async def run() -> int:
        database = Database()
        try:
            return await compact_changes(database)
        finally:
            await database.dispose()

    removed = asyncio.run(run())
    typer.echo(f"Removed {removed} superseded changes.")
