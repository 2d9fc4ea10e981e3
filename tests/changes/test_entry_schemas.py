"""What the feed sends fits the schema the document gives it, for every type and for tombstones:
a generated client parses each entry's `resource` as the type's own model."""

from typing import Any

import httpx

from sofifi_api.resources import VISIBILITY
from tests.changes.conftest import CHANGES, end_of_feed, follow
from tests.factories import (
    SOFIFI,
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_survey,
)
from tests.openapi_schema import mismatches, response_schema


async def _one_of_each_type(admin: httpx.AsyncClient) -> str:
    """Creates a resource of every feed type (a participant of each kind), then deletes an
    organization; answers its id."""
    program = await create_program(admin, area_codes=[SOFIFI])
    person = await create_person(admin)
    await create_group(admin, [person["id"]])
    await create_enrollment(admin, program["id"], person["id"])
    project = await create_project(admin)
    await create_consultation(admin, project["id"])
    await create_contribution(admin, project["id"])
    await create_feedback(admin, program["id"])
    await create_survey(admin)
    await admin.patch(f"/v1/areas/{SOFIFI}", json={"name": "Sofifi"})
    deleted: str = (await create_organization(admin))["id"]
    assert (await admin.delete(f"/v1/organizations/{deleted}")).status_code == 204
    return deleted


async def test_every_entry_fits_the_documented_schema_of_its_type(
    admin: httpx.AsyncClient,
) -> None:
    document = (await admin.get("/openapi.json")).json()
    cursor = await end_of_feed(admin)
    await _one_of_each_type(admin)

    entries, _ = await follow(admin, cursor)

    page = {"data": entries, "next_cursor": cursor}
    assert mismatches(document, response_schema(document, CHANGES, "get", "200"), page) == []
    assert {entry["type"] for entry in entries if entry["op"] == "upsert"} == set(VISIBILITY)
    kinds = {e["resource"]["kind"] for e in entries if e["type"] == "participant"}
    assert kinds == {"person", "group"}


async def test_a_tombstone_carries_a_null_resource(admin: httpx.AsyncClient) -> None:
    cursor = await end_of_feed(admin)
    deleted = await _one_of_each_type(admin)

    entries, _ = await follow(admin, cursor)

    tombstones: list[dict[str, Any]] = [e for e in entries if e["op"] == "delete"]
    assert tombstones == [{"type": "organization", "id": deleted, "op": "delete", "resource": None}]
