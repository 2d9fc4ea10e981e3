"""Review: a reviewer sets feedback's review status with a note; each review is kept in order."""

from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients.models import ApiClient
from tests.conftest import ClientFactory
from tests.factories import create_feedback

Json = dict[str, Any]
NOTE = "Jawaban sesuai dengan berita acara musyawarah."


async def client_id_named(session: AsyncSession, name: str) -> str:
    rows = await session.exec(select(ApiClient.id).where(col(ApiClient.name) == name))
    return str(rows.one())


@pytest.fixture
async def reviewer(make_client: ClientFactory) -> httpx.AsyncClient:
    """A Dinas officer's system: reads feedback and reviews it, nothing else."""
    return await make_client("feedback:read", "feedback:review", name="Dinas PMD")


@pytest.fixture
async def feedback(client: httpx.AsyncClient, program_id: str) -> Json:
    return await create_feedback(client, program_id)


async def review(http: httpx.AsyncClient, feedback_id: str, status: str, **body: Any) -> Json:
    response = await http.post(
        f"/v1/feedback/{feedback_id}/review", json={"review_status": status} | body
    )
    assert response.status_code == 200, response.text
    reviewed: Json = response.json()
    return reviewed


async def history(http: httpx.AsyncClient, feedback_id: str, **params: Any) -> list[Json]:
    response = await http.get(f"/v1/feedback/{feedback_id}/reviews", params=params)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["data"]
    return items


async def test_new_feedback_is_received_and_not_yet_reviewed(feedback: Json) -> None:
    assert feedback["review_status"] == "received"
    assert feedback["reviewed_at"] is None
    assert feedback["reviewed_by"] is None


async def test_a_review_answers_the_feedback_as_get_shows_it(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    reviewed = await review(reviewer, feedback["id"], "approved", note=NOTE)

    assert reviewed == (await client.get(f"/v1/feedback/{feedback['id']}")).json()


async def test_a_review_sets_the_status_the_reviewer_and_the_time(
    reviewer: httpx.AsyncClient, feedback: Json, session: AsyncSession
) -> None:
    reviewed = await review(reviewer, feedback["id"], "has_issues", note=NOTE)

    assert reviewed["review_status"] == "has_issues"
    assert reviewed["reviewed_by"] == await client_id_named(session, "Dinas PMD")
    assert reviewed["reviewed_at"] >= feedback["received_at"]
    assert reviewed["updated_at"] == reviewed["reviewed_at"]


async def test_a_review_changes_nothing_submitted_nor_the_handling_status(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    reviewed = await review(reviewer, feedback["id"], "rejected")

    review_fields = {"review_status", "reviewed_at", "reviewed_by", "updated_at"}
    unchanged = {name: value for name, value in feedback.items() if name not in review_fields}
    assert {name: reviewed[name] for name in unchanged} == unchanged


async def test_received_may_be_set_again_to_reopen_the_feedback(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    await review(reviewer, feedback["id"], "approved")

    reopened = await review(reviewer, feedback["id"], "received", note="Perlu dicek ulang.")

    assert reopened["review_status"] == "received"
    assert reopened["reviewed_at"] is not None


async def test_the_history_lists_each_review_oldest_first(
    reviewer: httpx.AsyncClient, feedback: Json, session: AsyncSession
) -> None:
    await review(reviewer, feedback["id"], "has_issues", note="Foto tidak terbaca.")
    await review(reviewer, feedback["id"], "approved", note=NOTE)
    await review(reviewer, feedback["id"], "approved")

    listed = await history(reviewer, feedback["id"])

    assert [(item["from_status"], item["to_status"], item["note"]) for item in listed] == [
        ("received", "has_issues", "Foto tidak terbaca."),
        ("has_issues", "approved", NOTE),
        ("approved", "approved", None),
    ]
    reviewer_id = await client_id_named(session, "Dinas PMD")
    assert {(item["client_id"], item["feedback_id"]) for item in listed} == {
        (reviewer_id, feedback["id"])
    }


async def test_feedback_never_reviewed_has_an_empty_history(
    client: httpx.AsyncClient, feedback: Json
) -> None:
    response = await client.get(f"/v1/feedback/{feedback['id']}/reviews")

    assert response.json() == {"data": [], "next_cursor": None}


async def test_pages_of_one_walk_the_whole_history_in_order(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    for status in ("has_issues", "approved", "rejected"):
        await review(reviewer, feedback["id"], status)
    walked: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        response = await reviewer.get(f"/v1/feedback/{feedback['id']}/reviews", params=params)
        walked += [item["to_status"] for item in response.json()["data"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert walked == ["has_issues", "approved", "rejected"]


async def test_the_history_is_readable_with_feedback_read(
    reviewer: httpx.AsyncClient, make_client: ClientFactory, feedback: Json
) -> None:
    await review(reviewer, feedback["id"], "approved", note=NOTE)
    reader = await make_client("feedback:read", name="Bappeda")

    assert [item["note"] for item in await history(reader, feedback["id"])] == [NOTE]


async def test_reviewing_needs_feedback_review(make_client: ClientFactory, feedback: Json) -> None:
    writer = await make_client("feedback:read", "feedback:write", name="Aplikasi survei")

    response = await writer.post(
        f"/v1/feedback/{feedback['id']}/review", json={"review_status": "approved"}
    )

    assert response.status_code == 403
    assert "feedback:review" in response.json()["detail"]


async def test_an_unknown_review_status_is_422_naming_the_allowed_ones(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    response = await reviewer.post(
        f"/v1/feedback/{feedback['id']}/review", json={"review_status": "verified"}
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "review_status"
    assert all(
        status in error["message"] for status in ("received", "approved", "has_issues", "rejected")
    )


async def test_a_review_without_a_status_is_422(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    response = await reviewer.post(f"/v1/feedback/{feedback['id']}/review", json={"note": NOTE})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["review_status"]


async def test_a_note_longer_than_2000_characters_is_422_and_nothing_changes(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    response = await reviewer.post(
        f"/v1/feedback/{feedback['id']}/review",
        json={"review_status": "approved", "note": "x" * 2001},
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["note"]
    assert (await reviewer.get(f"/v1/feedback/{feedback['id']}")).json() == feedback
    assert await history(reviewer, feedback["id"]) == []


async def test_a_note_of_2000_characters_is_kept_whole(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    await review(reviewer, feedback["id"], "approved", note="x" * 2000)

    assert [item["note"] for item in await history(reviewer, feedback["id"])] == ["x" * 2000]


async def test_reviewing_unknown_or_deleted_feedback_is_404(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    await client.delete(f"/v1/feedback/{feedback['id']}")
    unknown = "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01"

    for feedback_id in (feedback["id"], unknown):
        posted = await reviewer.post(
            f"/v1/feedback/{feedback_id}/review", json={"review_status": "approved"}
        )
        listed = await reviewer.get(f"/v1/feedback/{feedback_id}/reviews")
        assert (posted.status_code, listed.status_code) == (404, 404)


async def test_a_review_with_the_current_etag_is_applied(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    etag = (await reviewer.get(f"/v1/feedback/{feedback['id']}")).headers["ETag"]

    response = await reviewer.post(
        f"/v1/feedback/{feedback['id']}/review",
        json={"review_status": "approved"},
        headers={"If-Match": etag},
    )

    assert response.status_code == 200


async def test_a_review_with_a_stale_etag_is_412_and_nothing_changes(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    etag = (await reviewer.get(f"/v1/feedback/{feedback['id']}")).headers["ETag"]
    await client.patch(f"/v1/feedback/{feedback['id']}", json={"status": "acknowledged"})

    response = await reviewer.post(
        f"/v1/feedback/{feedback['id']}/review",
        json={"review_status": "approved"},
        headers={"If-Match": etag},
    )

    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert (await reviewer.get(f"/v1/feedback/{feedback['id']}")).json()[
        "review_status"
    ] == "received"
    assert await history(reviewer, feedback["id"]) == []


async def test_a_review_repeated_with_its_idempotency_key_is_made_once(
    reviewer: httpx.AsyncClient, feedback: Json
) -> None:
    url = f"/v1/feedback/{feedback['id']}/review"
    headers = {"Idempotency-Key": "dinas-pmd/review/0042"}

    first = await reviewer.post(url, json={"review_status": "approved"}, headers=headers)
    again = await reviewer.post(url, json={"review_status": "approved"}, headers=headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert len(await history(reviewer, feedback["id"])) == 1


async def test_a_review_is_audited_as_an_update_of_the_review_fields(
    client: httpx.AsyncClient, reviewer: httpx.AsyncClient, feedback: Json, session: AsyncSession
) -> None:
    await review(reviewer, feedback["id"], "approved", note=NOTE)

    response = await client.get(
        "/v1/audit-events",
        params={"resource_type": "feedback", "resource_id": feedback["id"], "action": "update"},
    )

    [event] = response.json()["data"]
    assert event["client_id"] == await client_id_named(session, "Dinas PMD")
    assert event["details"]["fields"] == ["review_status", "reviewed_at", "reviewed_by"]
    assert NOTE not in response.text


@pytest.mark.parametrize(
    ("wanted", "listed"),
    [
        ("approved", ["approved"]),
        ("approved,has_issues", ["approved", "has_issues"]),
        ("received,rejected", ["received", "rejected"]),
    ],
)
async def test_the_list_filters_by_one_or_several_review_statuses(
    client: httpx.AsyncClient,
    reviewer: httpx.AsyncClient,
    program_id: str,
    wanted: str,
    listed: list[str],
) -> None:
    for status in ("received", "approved", "has_issues", "rejected"):
        created = await create_feedback(client, program_id, comment=status)
        if status != "received":
            await review(reviewer, created["id"], status)

    response = await client.get("/v1/feedback", params={"review_status": wanted})

    assert [item["review_status"] for item in response.json()["data"]] == listed


@pytest.mark.parametrize("wanted", ["verified", "approved,", "approved, rejected", ""])
async def test_a_review_status_filter_naming_no_status_is_422(
    client: httpx.AsyncClient, wanted: str
) -> None:
    response = await client.get("/v1/feedback", params={"review_status": wanted})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["review_status"]
