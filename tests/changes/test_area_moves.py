"""A client bound to areas keeps a copy of what it sees there. When a participant leaves its
areas, the participant and its enrollments reach it as deletes; a move it never saw either side
of tells it nothing."""

from typing import Any

import httpx

from sofifi_api.changes.compaction import compact_changes
from sofifi_api.db import Database
from tests.changes.conftest import Partner, by_key, end_of_feed, follow
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_person,
    create_program,
    create_project,
)

OUTSIDE = "82.72"  # the parent regency: not within a client bound to Sofifi


async def move(admin: httpx.AsyncClient, person: dict[str, str], area_code: str) -> None:
    response = await admin.patch(f"/v1/participants/{person['id']}", json={"area_code": area_code})
    assert response.status_code == 200, response.text


async def test_a_participant_leaving_the_clients_areas_is_a_delete_with_its_enrollments(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("participants:read", "programs:read", area_codes=[SOFIFI])
    person = await create_person(admin, area_code=SOFIFI)
    enrollment = await create_enrollment(admin, (await create_program(admin))["id"], person["id"])
    cursor = await end_of_feed(http)

    await move(admin, person, OUTSIDE)
    entries, _ = await follow(http, cursor)

    copy = by_key(entries)
    assert copy["participant", person["id"]]["op"] == "delete"
    assert copy["enrollment", enrollment["id"]]["op"] == "delete"
    assert copy["participant", person["id"]]["resource"] is None


async def entry_after_a_move(
    admin: httpx.AsyncClient, http: httpx.AsyncClient, start: str, destination: str
) -> dict[str, Any] | None:
    """What `http` reads of a person moved from `start` to `destination` after it caught up."""
    person = await create_person(admin, area_code=start)
    cursor = await end_of_feed(http)

    await move(admin, person, destination)
    entries, _ = await follow(http, cursor)

    return by_key(entries).get(("participant", person["id"]))


async def test_a_participant_moving_within_the_clients_areas_stays_an_upsert(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("participants:read", area_codes=[OBA_UTARA])

    entry = await entry_after_a_move(admin, http, OBA_UTARA, SOFIFI)

    assert entry is not None
    assert (entry["op"], entry["resource"]["area_code"]) == ("upsert", SOFIFI)


async def test_a_move_between_areas_the_client_is_not_bound_to_tells_it_nothing(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("participants:read", area_codes=[SOFIFI])

    assert await entry_after_a_move(admin, http, OUTSIDE, OBA_UTARA) is None


async def test_a_client_bound_to_every_area_sees_the_move_as_an_update(
    admin: httpx.AsyncClient,
) -> None:
    entry = await entry_after_a_move(admin, admin, SOFIFI, OUTSIDE)

    assert entry is not None
    assert (entry["op"], entry["resource"]["area_code"]) == ("upsert", OUTSIDE)


async def test_compaction_keeps_the_move_for_a_follower_behind_it(
    admin: httpx.AsyncClient, partner: Partner, feed_database: Database
) -> None:

    http = await partner("participants:read", area_codes=[SOFIFI])
    person = await create_person(admin, area_code=SOFIFI)
    cursor = await end_of_feed(http)
    await move(admin, person, OUTSIDE)
    renamed = await admin.patch(
        f"/v1/participants/{person['id']}", json={"full_name": "Siti Hadija Umar"}
    )
    assert renamed.status_code == 200

    await compact_changes(feed_database)

    entries, _ = await follow(http, cursor)
    assert by_key(entries)["participant", person["id"]]["op"] == "delete"


async def test_a_program_leaving_the_clients_areas_is_a_delete_with_its_feedback(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("programs:read", "feedback:read", area_codes=[SOFIFI])
    program = await create_program(admin, area_codes=[SOFIFI])
    feedback = await create_feedback(admin, program["id"])
    cursor = await end_of_feed(http)

    moved = await admin.patch(f"/v1/programs/{program['id']}", json={"area_codes": [OUTSIDE]})
    assert moved.status_code == 200, moved.text
    entries, _ = await follow(http, cursor)

    copy = by_key(entries)
    assert copy["program", program["id"]]["op"] == "delete"
    assert copy["feedback", feedback["id"]]["op"] == "delete"


async def test_a_project_leaving_the_clients_areas_is_a_delete_with_what_it_carries(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("projects:read", "feedback:read", area_codes=[SOFIFI])
    project = await create_project(admin, area_codes=[SOFIFI])
    consultation = await create_consultation(admin, project["id"])
    contribution = await create_contribution(admin, project["id"])
    feedback = await create_feedback(admin, infrastructure_project_id=project["id"])
    cursor = await end_of_feed(http)

    moved = await admin.patch(
        f"/v1/infrastructure-projects/{project['id']}", json={"area_codes": [OUTSIDE]}
    )
    assert moved.status_code == 200, moved.text
    entries, _ = await follow(http, cursor)

    assert {(e["type"], e["id"]): e["op"] for e in entries} == {
        ("infrastructure_project", project["id"]): "delete",
        ("consultation", consultation["id"]): "delete",
        ("contribution", contribution["id"]): "delete",
        ("feedback", feedback["id"]): "delete",
    }


async def test_a_program_keeping_one_of_the_clients_areas_stays_an_upsert(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("programs:read", area_codes=[SOFIFI])
    program = await create_program(admin, area_codes=[SOFIFI, OUTSIDE])
    cursor = await end_of_feed(http)

    moved = await admin.patch(f"/v1/programs/{program['id']}", json={"area_codes": [SOFIFI]})
    assert moved.status_code == 200, moved.text
    entries, _ = await follow(http, cursor)

    assert by_key(entries)["program", program["id"]]["op"] == "upsert"


async def test_an_enrollment_whose_program_the_client_cannot_see_stays_out_of_its_feed(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("programs:read", area_codes=[SOFIFI])
    cursor = await end_of_feed(http)
    person = await create_person(admin, area_code=SOFIFI)
    program = await create_program(admin, area_codes=[OUTSIDE])
    enrollment = await create_enrollment(admin, program["id"], person["id"])

    entries, _ = await follow(http, cursor)

    assert ("enrollment", enrollment["id"]) not in by_key(entries)


async def test_a_program_leaving_the_clients_areas_is_a_delete_with_its_enrollments(
    admin: httpx.AsyncClient, partner: Partner
) -> None:
    http = await partner("programs:read", area_codes=[SOFIFI])
    person = await create_person(admin, area_code=SOFIFI)
    program = await create_program(admin, area_codes=[SOFIFI])
    enrollment = await create_enrollment(admin, program["id"], person["id"])
    cursor = await end_of_feed(http)

    moved = await admin.patch(f"/v1/programs/{program['id']}", json={"area_codes": [OUTSIDE]})
    assert moved.status_code == 200, moved.text
    entries, _ = await follow(http, cursor)

    assert by_key(entries)["enrollment", enrollment["id"]]["op"] == "delete"
