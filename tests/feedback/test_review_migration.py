"""Feedback stored before reviews existed is `received`; undoing the migration keeps it whole."""

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import pool, text

from sofifi_api.db import create_engine
from tests.conftest import alembic_config
from tests.databases import fresh_database, table_names

BEFORE_REVIEWS = "0011"
FEEDBACK_ID = "0195f3a92b4c7e108f216a3b5c7d9e01"
STORED = [
    "INSERT INTO organizations (id, created_at, updated_at, name, kind) VALUES "
    "('0195f3a87c1e7d3a9a543c1f0e2b4d6a', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
    "'Dinas PMD Maluku Utara', 'government')",
    "INSERT INTO programs (id, created_at, updated_at, title, category, status, "
    "lead_organization_id) VALUES ('0195f3a87c1e7d3a9a543c1f0e2b4d6b', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, 'Pelatihan anyaman bambu', 'education_skills', 'active', "
    "'0195f3a87c1e7d3a9a543c1f0e2b4d6a')",
    "INSERT INTO feedback (id, created_at, updated_at, program_id, rating, comment, "
    "submitted_at, received_at, status) VALUES "
    f"('{FEEDBACK_ID}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
    "'0195f3a87c1e7d3a9a543c1f0e2b4d6b', 4, 'Sangat bermanfaat', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP, 'acknowledged')",
]


async def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            result = None
            for statement in statements:
                result = await connection.execute(text(statement))
            return [tuple(row) for row in result.all()] if result and result.returns_rows else []
    finally:
        await engine.dispose()


def test_feedback_stored_before_reviews_is_received_and_unreviewed(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, BEFORE_REVIEWS)
        asyncio.run(_run(url, *STORED))

        command.upgrade(config, "head")

        assert asyncio.run(
            _run(url, "SELECT review_status, reviewed_at, reviewed_by FROM feedback")
        ) == [("received", None, None)]


def test_undoing_the_migration_keeps_every_feedback_and_its_change_feed(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, BEFORE_REVIEWS)
        asyncio.run(_run(url, *STORED))
        command.upgrade(config, "head")
        asyncio.run(_run(url, "UPDATE feedback SET review_status = 'approved'"))

        command.downgrade(config, BEFORE_REVIEWS)
        kept = asyncio.run(_run(url, "SELECT rating, comment, status FROM feedback"))
        recorded = asyncio.run(
            _run(
                url,
                "UPDATE feedback SET status = 'resolved'",
                "SELECT count(*) FROM changes WHERE resource_type = 'feedback'",
            )
        )

        assert kept == [(4, "Sangat bermanfaat", "acknowledged")]
        assert "feedback_reviews" not in table_names(url)
        # Stored, approved in review and resolved: the feed's trigger still records each write.
        assert recorded == [(3,)]
