"""A review is a change of its feedback; a follower holding only feedback in some review
statuses (`feedback_review_status`) sees feedback outside them as deleted."""

from typing import Any

import httpx

from tests.changes.conftest import CHANGES, by_key, end_of_feed, follow
from tests.factories import create_feedback, create_program

Json = dict[str, Any]


async def review(http: httpx.AsyncClient, feedback: Json, status: str) -> None:
    response = await http.post(
        f"/v1/feedback/{feedback['id']}/review", json={"review_status": status}
    )
    assert response.status_code == 200, response.text


async def test_a_review_appears_as_an_upsert_of_its_feedback(admin: httpx.AsyncClient) -> None:
    feedback = await create_feedback(admin, (await create_program(admin))["id"])
    cursor = await end_of_feed(admin)

    await review(admin, feedback, "approved")
    entries, _ = await follow(admin, cursor, types="feedback")

    assert [(e["id"], e["op"], e["resource"]["review_status"]) for e in entries] == [
        (feedback["id"], "upsert", "approved")
    ]


async def test_feedback_outside_the_review_statuses_asked_for_is_a_delete(
    admin: httpx.AsyncClient,
) -> None:
    program = await create_program(admin)
    cursor = await end_of_feed(admin)
    approved = await create_feedback(admin, program["id"], comment="Disetujui")
    rejected = await create_feedback(admin, program["id"], comment="Ditolak")
    unreviewed = await create_feedback(admin, program["id"], comment="Belum")
    await review(admin, approved, "approved")
    await review(admin, rejected, "rejected")

    entries, _ = await follow(admin, cursor, feedback_review_status="approved")

    copy = by_key(entries)
    assert copy["feedback", approved["id"]]["op"] == "upsert"
    assert copy["feedback", rejected["id"]] == {
        "type": "feedback",
        "id": rejected["id"],
        "op": "delete",
        "resource": None,
    }
    assert copy["feedback", unreviewed["id"]]["op"] == "delete"


async def test_feedback_leaving_the_review_statuses_is_dropped_and_returning_is_upserted(
    admin: httpx.AsyncClient,
) -> None:
    feedback = await create_feedback(admin, (await create_program(admin))["id"])
    await review(admin, feedback, "approved")
    cursor = await end_of_feed(admin)
    statuses = {"feedback_review_status": "approved,has_issues", "types": "feedback"}

    await review(admin, feedback, "rejected")
    left, cursor = await follow(admin, cursor, **statuses)
    await review(admin, feedback, "has_issues")
    returned, _ = await follow(admin, cursor, **statuses)

    assert [(e["id"], e["op"]) for e in left] == [(feedback["id"], "delete")]
    assert [(e["id"], e["op"], e["resource"]["review_status"]) for e in returned] == [
        (feedback["id"], "upsert", "has_issues")
    ]


async def test_the_review_status_filter_leaves_other_types_alone(
    admin: httpx.AsyncClient,
) -> None:
    cursor = await end_of_feed(admin)
    program = await create_program(admin)

    entries, _ = await follow(admin, cursor, feedback_review_status="approved")

    assert by_key(entries)["program", program["id"]]["op"] == "upsert"


async def test_a_deleted_feedback_stays_a_delete_whatever_the_filter(
    admin: httpx.AsyncClient,
) -> None:
    feedback = await create_feedback(admin, (await create_program(admin))["id"])
    await review(admin, feedback, "approved")
    cursor = await end_of_feed(admin)

    await admin.delete(f"/v1/feedback/{feedback['id']}")
    entries, _ = await follow(admin, cursor, feedback_review_status="approved")

    assert [(e["id"], e["op"]) for e in entries] == [(feedback["id"], "delete")]


async def test_a_review_status_filter_naming_no_status_is_422(admin: httpx.AsyncClient) -> None:
    response = await admin.get(CHANGES, params={"feedback_review_status": "approved,verified"})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["feedback_review_status"]
