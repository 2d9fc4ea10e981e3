"""The same client_ref from the same client is the same submission."""

from typing import Any

import httpx

from tests.conftest import ClientFactory

REF = "oba-tab-07/2026-05-01/0042"


def _body(program_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "rating": 4,
        "submitted_at": "2026-05-01T03:00:00Z",
        "client_ref": REF,
    } | fields


async def _stored_with_ref(http: httpx.AsyncClient) -> list[str]:
    response = await http.get("/v1/feedback", params={"client_ref": REF, "include_deleted": True})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_first_submission_is_201_without_duplicate_header(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post("/v1/feedback", json=_body(program_id))

    assert response.status_code == 201
    assert "Sofifi-Duplicate" not in response.headers


async def test_resent_submission_is_200_with_the_stored_feedback(
    client: httpx.AsyncClient, program_id: str
) -> None:
    first = await client.post("/v1/feedback", json=_body(program_id))

    again = await client.post("/v1/feedback", json=_body(program_id))

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Sofifi-Duplicate"] == "true"


async def test_resent_submission_stores_nothing_new(
    client: httpx.AsyncClient, program_id: str
) -> None:
    first = await client.post("/v1/feedback", json=_body(program_id))
    await client.post("/v1/feedback", json=_body(program_id))

    assert await _stored_with_ref(client) == [first.json()["id"]]


async def test_resent_submission_with_other_content_answers_the_stored_one(
    client: httpx.AsyncClient, program_id: str
) -> None:
    first = await client.post("/v1/feedback", json=_body(program_id, rating=4))

    again = await client.post("/v1/feedback", json=_body(program_id, rating=1))

    assert again.status_code == 200
    assert again.json()["rating"] == 4
    assert again.json()["id"] == first.json()["id"]


async def test_resent_submission_of_deleted_feedback_answers_the_tombstone(
    client: httpx.AsyncClient, program_id: str
) -> None:
    first = await client.post("/v1/feedback", json=_body(program_id))
    await client.delete(first.headers["Location"])

    again = await client.post("/v1/feedback", json=_body(program_id))

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["deleted_at"] is not None


async def test_same_client_ref_from_another_client_is_a_new_submission(
    client: httpx.AsyncClient, make_client: ClientFactory, program_id: str
) -> None:
    other_app = await make_client("feedback:read", "feedback:write", name="Other survey app")
    mine = await client.post("/v1/feedback", json=_body(program_id))

    theirs = await other_app.post("/v1/feedback", json=_body(program_id))

    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]


async def test_client_ref_filter_finds_only_the_callers_own_submission(
    client: httpx.AsyncClient, make_client: ClientFactory, program_id: str
) -> None:
    other_app = await make_client("feedback:read", "feedback:write", name="Other survey app")
    await client.post("/v1/feedback", json=_body(program_id))
    theirs = await other_app.post("/v1/feedback", json=_body(program_id))

    assert await _stored_with_ref(other_app) == [theirs.json()["id"]]


async def test_submissions_without_client_ref_are_never_duplicates(
    client: httpx.AsyncClient, program_id: str
) -> None:
    first = await client.post("/v1/feedback", json=_body(program_id, client_ref=None))
    second = await client.post("/v1/feedback", json=_body(program_id, client_ref=None))

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


async def test_submitting_client_is_not_shown(client: httpx.AsyncClient, program_id: str) -> None:
    created = await client.post("/v1/feedback", json=_body(program_id))

    assert "client_id" not in created.json()
