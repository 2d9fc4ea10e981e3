"""A follower that reads the feed while other clients write ends with exactly the server's
data, and resumes from a saved cursor without missing or repeating anything."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sofifi_api.changes.compaction import compact_changes
from sofifi_api.db import Database
from sofifi_api.organizations.models import Organization, OrganizationKind
from tests.changes.conftest import by_key, end_of_feed, follow, read_page
from tests.databases import committed_client
from tests.factories import SOFIFI, create_enrollment, create_person, create_program

WRITERS = 6
ROUNDS = 4
FOLLOWED = "organization,program,participant,feedback"
COLLECTIONS = {
    "organization": "/v1/organizations",
    "program": "/v1/programs",
    "participant": "/v1/participants",
    "feedback": "/v1/feedback",
}
Copy = dict[tuple[str, str], dict[str, Any] | None]


async def _write(http: httpx.AsyncClient, writer: int) -> None:
    """Creates, changes and deletes a little of everything, interleaved with other writers."""
    for round_ in range(ROUNDS):
        program = await create_program(http, title=f"Program {writer}/{round_}")
        person = await create_person(http, area_code=SOFIFI, full_name=f"Warga {writer}/{round_}")
        await create_enrollment(http, program["id"], person["id"])
        await http.patch(f"/v1/programs/{program['id']}", json={"status": "completed"})
        feedback = await http.post(
            "/v1/feedback",
            json={
                "program_id": program["id"],
                "rating": 1 + round_ % 5,
                "submitted_at": "2026-05-01T03:00:00Z",
            },
        )
        assert feedback.status_code == 201, feedback.text
        if round_ % 2:
            await http.delete(f"/v1/participants/{person['id']}")
            await http.delete(f"/v1/organizations/{program['lead_organization_id']}")


def _apply(copy: Copy, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        copy[entry["type"], entry["id"]] = entry["resource"] if entry["op"] == "upsert" else None


async def _follow_until(
    http: httpx.AsyncClient, copy: Copy, cursor: str, done: asyncio.Event
) -> str:
    """Reads small pages while the writers run, then until caught up."""
    while not done.is_set():
        data, cursor = await read_page(http, cursor, types=FOLLOWED, limit=7)
        _apply(copy, data)
        if not data:
            await asyncio.sleep(0.01)
    entries, cursor = await follow(http, cursor, types=FOLLOWED, limit=7)
    _apply(copy, entries)
    return cursor


async def _server_data(http: httpx.AsyncClient) -> Copy:
    """Every followed resource as the lists show it now; tombstones as None."""
    data: Copy = {}
    for kind, path in COLLECTIONS.items():
        params: dict[str, Any] = {"limit": 500, "include_deleted": "true"}
        while True:
            body = (await http.get(path, params=params)).json()
            for item in body["data"]:
                data[kind, item["id"]] = None if item["deleted_at"] else item
            if body["next_cursor"] is None:
                break
            params["cursor"] = body["next_cursor"]
    return data


async def _copy_of_a_follower_while_writers_write(
    database: Database, *meanwhile: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
) -> Copy:
    """The copy of a follower that reads from the start while the writers (and `meanwhile`,
    until the writers are done) run."""
    writers = [await committed_client(database, "admin") for _ in range(WRITERS)]
    follower = await committed_client(database, "admin")
    copy: Copy = {}
    done = asyncio.Event()

    following = asyncio.create_task(_follow_from_start(follower, copy, done))
    others = [asyncio.create_task(task(done)) for task in meanwhile]
    await asyncio.gather(*(_write(http, n) for n, http in enumerate(writers)))
    done.set()
    await asyncio.gather(following, *others)

    for http in [*writers, follower]:
        await http.aclose()
    return copy


async def test_follower_copy_equals_the_database_after_concurrent_writers(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    copy = await _copy_of_a_follower_while_writers_write(feed_database)

    assert copy == await _server_data(admin)


async def test_follower_copy_equals_the_database_while_the_log_is_compacted(
    admin: httpx.AsyncClient, feed_database: Database
) -> None:
    async def compacting(done: asyncio.Event) -> None:
        while not done.is_set():
            await compact_changes(feed_database, batch=5)
            await asyncio.sleep(0.01)

    copy = await _copy_of_a_follower_while_writers_write(feed_database, compacting)

    assert copy == await _server_data(admin)


async def _follow_from_start(http: httpx.AsyncClient, copy: Copy, done: asyncio.Event) -> str:
    data, cursor = await read_page(http, types=FOLLOWED, limit=7)
    _apply(copy, data)
    return await _follow_until(http, copy, cursor, done)


async def test_change_committed_after_a_later_one_is_not_skipped(
    admin: httpx.AsyncClient, feed_database: Database, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("SQLite writers take turns: a later writer cannot commit first")
    cursor = await end_of_feed(admin)
    async with feed_database.sessionmaker() as slow:
        slow.add(Organization(name="Koperasi Lambat", kind=OrganizationKind.community))
        await slow.flush()  # the slow transaction has written, and has not committed
        fast = await admin.post(
            "/v1/organizations", json={"name": "Koperasi Cepat", "kind": "community"}
        )
        early, cursor = await follow(admin, cursor, types="organization")
        await slow.commit()
    late, _ = await follow(admin, cursor, types="organization")

    names = [entry["resource"]["name"] for entry in early + late]
    assert sorted(names) == ["Koperasi Cepat", "Koperasi Lambat"]
    assert fast.json()["id"] not in {entry["id"] for entry in early}


async def test_transaction_open_in_another_database_does_not_hold_the_feed_back(
    admin: httpx.AsyncClient, database: Database, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("a SQLite file has no other databases")
    cursor = await end_of_feed(admin)
    async with database.engine.connect() as elsewhere:
        # The test run's own database: a transaction there that has taken an id and stays open.
        await elsewhere.execute(text("SELECT pg_current_xact_id()"))
        created = await admin.post(
            "/v1/organizations", json={"name": "Koperasi Cepat", "kind": "community"}
        )
        entries, _ = await follow(admin, cursor, types="organization")
        await elsewhere.rollback()

    assert [entry["id"] for entry in entries] == [created.json()["id"]]


async def test_follower_resumes_from_a_saved_cursor_after_a_restart(
    admin: httpx.AsyncClient, feed_url: str
) -> None:
    before = await create_program(admin, title="Sebelum")
    saved = await end_of_feed(admin)
    restarted = Database(feed_url)
    http = await committed_client(restarted, "admin")

    after = await create_program(http, title="Sesudah")
    entries, _ = await follow(http, saved, types="program")

    assert [entry["id"] for entry in entries] == [after["id"]]
    assert ("program", before["id"]) not in by_key(entries)
    await http.aclose()
    await restarted.dispose()
