"""Compaction keeps each resource's latest change, so no follower, however far behind, misses
anything."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from sofifi_api.changes.compaction import compact_changes
from sofifi_api.changes.models import Change
from sofifi_api.cli import app
from sofifi_api.config import get_settings
from sofifi_api.db import Database
from tests.changes.conftest import by_key, end_of_feed, follow
from tests.factories import create_organization

Log = list[tuple[int, int, str, str]]


async def change_log(database: Database) -> Log:
    async with database.sessionmaker() as session:
        rows = await session.exec(
            select(Change.txid, Change.seq, Change.resource_type, Change.resource_id).order_by(
                col(Change.txid), col(Change.seq)
            )
        )
        return [(txid, seq or 0, kind, key) for txid, seq, kind, key in rows.all()]


async def rewrite_organizations(admin: httpx.AsyncClient) -> None:
    """Organizations created, renamed twice, and one deleted."""
    kept = await create_organization(admin)
    deleted = await create_organization(admin)
    for name in ("Yayasan Pala", "Yayasan Cengkih"):
        response = await admin.patch(f"/v1/organizations/{kept['id']}", json={"name": name})
        assert response.status_code == 200
    assert (await admin.delete(f"/v1/organizations/{deleted['id']}")).status_code == 204


async def test_compaction_keeps_the_latest_change_of_each_resource(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    await rewrite_organizations(admin)
    before = await change_log(feed_database)
    latest = {(kind, key): (txid, seq, kind, key) for txid, seq, kind, key in before}

    removed = await compact_changes(feed_database, batch=2)

    after = await change_log(feed_database)
    assert after == sorted(latest.values())
    assert removed == len(before) - len(after) > 0


async def test_a_follower_from_the_start_reads_the_same_copy_after_compaction(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    await rewrite_organizations(admin)
    copy_before, _ = await follow(admin, limit=7)

    await compact_changes(feed_database)

    copy_after, _ = await follow(admin, limit=7)
    assert by_key(copy_after) == by_key(copy_before)


async def test_a_follower_behind_the_compaction_misses_nothing(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    cursor = await end_of_feed(admin)
    await rewrite_organizations(admin)
    caught_up, _ = await follow(admin, cursor)

    await compact_changes(feed_database)

    after_compaction, _ = await follow(admin, cursor)
    assert by_key(after_compaction) == by_key(caught_up)
    assert {entry["op"] for entry in after_compaction} == {"upsert", "delete"}


async def test_a_follower_between_two_changes_of_a_resource_still_reads_the_later(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    organization = await create_organization(admin)
    between = await end_of_feed(admin)
    path = f"/v1/organizations/{organization['id']}"
    assert (await admin.patch(path, json={"name": "Yayasan Pala"})).status_code == 200

    await compact_changes(feed_database)

    # On PostgreSQL the feed holds back while an older transaction it cannot place (another
    # test's, on the shared cluster) runs: a follower polls again, as this one does.
    entries: list[dict[str, Any]] = []
    for _ in range(100):
        entries, _cursor = await follow(admin, between)
        if entries:
            break
        await asyncio.sleep(0.1)
    assert [(e["id"], e["resource"]["name"]) for e in entries] == [
        (organization["id"], "Yayasan Pala")
    ]


def test_the_command_reports_how_many_changes_it_removed(
    feed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", feed_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["changes", "compact"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Removed ")
    assert result.output.endswith(" superseded changes.\n")
