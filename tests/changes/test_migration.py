import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import pool, text

from sofifi_api.db import create_engine
from tests.conftest import alembic_config
from tests.databases import fresh_database, table_names


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


def test_resources_stored_before_the_feed_existed_open_it(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0004")
        asyncio.run(
            _run(
                url,
                "INSERT INTO organizations (id, created_at, updated_at, name, kind) VALUES "
                "('0195f3a87c1e7d3a9a543c1f0e2b4d6a', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                "'Yayasan Pala Serentak', 'ngo')",
            )
        )

        command.upgrade(config, "head")
        recorded = asyncio.run(_run(url, "SELECT txid, resource_type FROM changes"))
        command.downgrade(config, "0004")

        assert recorded == [(0, "organization")]
        assert "changes" not in table_names(url)
        assert asyncio.run(_run(url, "SELECT name FROM organizations")) == [
            ("Yayasan Pala Serentak",)
        ]
