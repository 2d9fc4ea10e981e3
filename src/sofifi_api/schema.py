"""Where the database's schema stands against the migrations this version of the service ships."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection


class SchemaState(StrEnum):
    """How the database's schema compares with the latest migration (the head revision)."""

    current = "current"
    not_migrated = "not-migrated"
    behind = "behind"
    unknown_revision = "unknown-revision"


def find_alembic_ini() -> Path | None:
    """The project's alembic.ini: in the working directory, or beside the source tree."""
    candidates = [Path.cwd() / "alembic.ini", Path(__file__).resolve().parents[2] / "alembic.ini"]
    return next((path for path in candidates if path.is_file()), None)


@lru_cache
def head_revisions() -> frozenset[str] | None:
    """The revisions a migrated database is at; None when the migrations are not shipped
    alongside (an installation that cannot migrate cannot tell either)."""
    ini = find_alembic_ini()
    if ini is None:
        return None
    return frozenset(ScriptDirectory.from_config(Config(str(ini))).get_heads())


def _state(connection: Connection, heads: frozenset[str]) -> SchemaState:
    current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return SchemaState.not_migrated
    if current == heads:
        return SchemaState.current
    ini = find_alembic_ini()
    assert ini is not None, "heads were read from it"
    known = {
        script.revision for script in ScriptDirectory.from_config(Config(str(ini))).walk_revisions()
    }
    return SchemaState.behind if current <= known else SchemaState.unknown_revision


async def schema_state(connection: AsyncConnection) -> SchemaState:
    """Where the schema of the database `connection` is on stands (`current` when this
    installation ships no migrations to compare with)."""
    heads = head_revisions()
    if heads is None:
        return SchemaState.current
    return await connection.run_sync(_state, heads)


SCHEMA_PROBLEMS = {
    SchemaState.not_migrated: "The database has no schema yet: run `sofifi-api migrate`.",
    SchemaState.behind: "The database schema is behind this version: run `sofifi-api migrate`.",
    SchemaState.unknown_revision: "The database schema is at a revision this version does not "
    "know (a newer release migrated it).",
}
