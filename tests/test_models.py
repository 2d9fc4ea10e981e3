"""Every table is known to the ORM, whatever entry point opened the database."""

import subprocess
import sys
from pathlib import Path

from sqlmodel import SQLModel

import sofifi_api.models  # noqa: F401  (the whole schema, as the migrations see it)

# A fresh interpreter: this process has imported every model, which would hide a missing one.
TABLES_SEEN_BY_A_DATABASE_ALONE = """
from sqlmodel import SQLModel
import sys
from sofifi_api.db import Database
Database(f"sqlite:///{sys.argv[1]}")
print(" ".join(sorted(SQLModel.metadata.tables)))
"""


def test_opening_a_database_puts_every_table_on_the_metadata(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", TABLES_SEEN_BY_A_DATABASE_ALONE, str(tmp_path / "any.db")],
        capture_output=True,
        text=True,
        check=True,
    )

    assert finished.stdout.split() == sorted(SQLModel.metadata.tables)
