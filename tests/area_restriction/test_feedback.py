"""Feedback: visible when its subject is in the client's areas and it was collected in one of
them (or names no area)."""

from typing import Any

import httpx
import pytest

from tests.area_restriction.conftest import (
    GURAPING,
    SOASIO,
    Json,
    all_ids,
    assert_fields_out_of_scope,
    ids,
)
from tests.conftest import ClientFactory, QueryCounter
from tests.factories import OBA_UTARA, SOFIFI, create_feedback

Subjects = dict[str, Json]


@pytest.fixture
async def feedback(
    client: httpx.AsyncClient, programs: Subjects, projects: Subjects
) -> dict[str, Json]:
    """Feedback about covered and uncovered subjects, collected in and out of the district."""
    about = {
        "sofifi_program_in_sofifi": ({"program_id": programs["sofifi"]["id"]}, SOFIFI),
        "shared_program_unplaced": ({"program_id": programs["shared"]["id"]}, None),
        "guraping_project_in_guraping": (
            {"infrastructure_project_id": projects["guraping"]["id"]},
            GURAPING,
        ),
        "shared_program_in_soasio": ({"program_id": programs["shared"]["id"]}, SOASIO),
        "soasio_program_in_soasio": ({"program_id": programs["soasio"]["id"]}, SOASIO),
        "soasio_program_in_sofifi": ({"program_id": programs["soasio"]["id"]}, SOFIFI),
        "soasio_project_unplaced": ({"infrastructure_project_id": projects["soasio"]["id"]}, None),
        "unplaced_program_unplaced": ({"program_id": programs["nowhere"]["id"]}, None),
    }
    return {
        name: await create_feedback(client, **subject, area_code=area_code)
        for name, (subject, area_code) in about.items()
    }


VISIBLE = ["sofifi_program_in_sofifi", "shared_program_unplaced", "guraping_project_in_guraping"]
HIDDEN = [
    "shared_program_in_soasio",
    "soasio_program_in_soasio",
    "soasio_program_in_sofifi",
    "soasio_project_unplaced",
    "unplaced_program_unplaced",
]


def _ids_of(feedback: dict[str, Json], names: list[str]) -> list[str]:
    return [feedback[name]["id"] for name in names]


async def test_list_shows_only_feedback_in_scope(
    district_partner: httpx.AsyncClient, feedback: dict[str, Json]
) -> None:
    assert ids(await district_partner.get("/v1/feedback")) == _ids_of(feedback, VISIBLE)


async def test_pages_of_one_walk_exactly_the_feedback_in_scope(
    district_partner: httpx.AsyncClient, feedback: dict[str, Json]
) -> None:
    assert await all_ids(district_partner, "/v1/feedback") == _ids_of(feedback, VISIBLE)


async def test_unrestricted_client_lists_all_feedback(
    unrestricted_partner: httpx.AsyncClient, feedback: dict[str, Json]
) -> None:
    listed = ids(await unrestricted_partner.get("/v1/feedback"))

    assert listed == [item["id"] for item in feedback.values()]


async def test_filter_by_an_uncovered_program_lists_nothing(
    district_partner: httpx.AsyncClient, programs: Subjects, feedback: dict[str, Json]
) -> None:
    response = await district_partner.get(
        "/v1/feedback", params={"program_id": programs["soasio"]["id"]}
    )

    assert ids(response) == []


@pytest.mark.parametrize("name", HIDDEN)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_feedback_out_of_scope_is_404_as_if_missing(
    district_partner: httpx.AsyncClient, feedback: dict[str, Json], name: str, method: str
) -> None:
    feedback_id = feedback[name]["id"]
    kwargs: dict[str, Any] = {"json": {"status": "acknowledged"}} if method == "PATCH" else {}

    response = await district_partner.request(method, f"/v1/feedback/{feedback_id}", **kwargs)

    assert response.status_code == 404
    assert response.json()["detail"] == f"No feedback with id {feedback_id}."


@pytest.mark.parametrize("name", VISIBLE)
async def test_feedback_in_scope_can_be_handled(
    district_partner: httpx.AsyncClient, feedback: dict[str, Json], name: str
) -> None:
    path = f"/v1/feedback/{feedback[name]['id']}"

    assert (await district_partner.get(path)).status_code == 200
    assert (await district_partner.patch(path, json={"status": "resolved"})).status_code == 200
    assert (await district_partner.delete(path)).status_code == 204


async def test_feedback_about_a_covered_program_is_201(
    district_partner: httpx.AsyncClient, programs: Subjects
) -> None:
    created = await create_feedback(district_partner, programs["shared"]["id"], area_code=GURAPING)

    assert (await district_partner.get(f"/v1/feedback/{created['id']}")).status_code == 200


@pytest.mark.parametrize("name", ["soasio", "nowhere"])
async def test_feedback_about_an_uncovered_program_is_422_unknown_program(
    district_partner: httpx.AsyncClient, programs: Subjects, name: str
) -> None:
    response = await district_partner.post(
        "/v1/feedback",
        json={
            "program_id": programs[name]["id"],
            "rating": 2,
            "submitted_at": "2026-05-01T03:00:00Z",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "body",
            "field": "program_id",
            "message": "No live program has this id.",
            "code": "unknown_reference",
        }
    ]


async def test_feedback_about_an_uncovered_project_is_422_unknown_project(
    district_partner: httpx.AsyncClient, projects: Subjects
) -> None:
    response = await district_partner.post(
        "/v1/feedback",
        json={
            "infrastructure_project_id": projects["soasio"]["id"],
            "rating": 2,
            "submitted_at": "2026-05-01T03:00:00Z",
        },
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["infrastructure_project_id"]


async def test_feedback_collected_in_an_uncovered_area_is_403_naming_the_field(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Subjects
) -> None:
    response = await district_partner.post(
        "/v1/feedback",
        json={
            "program_id": programs["shared"]["id"],
            "rating": 2,
            "area_code": SOASIO,
            "submitted_at": "2026-05-01T03:00:00Z",
        },
    )

    assert_fields_out_of_scope(response, "area_code")
    assert SOASIO not in response.text
    assert ids(await client.get("/v1/feedback")) == []


async def test_restricted_list_issues_the_same_queries_for_any_page_size(
    district_partner: httpx.AsyncClient, feedback: dict[str, Json], count_queries: QueryCounter
) -> None:
    # Authenticated once before counting: both requests below find the credential held.
    await district_partner.get("/v1/feedback?limit=2")
    count_queries.count = 0
    small = await district_partner.get("/v1/feedback?limit=2")
    small_count = count_queries.count
    count_queries.count = 0
    large = await district_partner.get("/v1/feedback?limit=50")
    large_count = count_queries.count

    assert len(ids(small)) == 2
    assert len(ids(large)) == 3
    assert small_count == large_count


async def _submitted_then_moved_away(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Subjects
) -> Json:
    """A submission of the partner's about a program that then stops targeting its areas."""
    body = {
        "program_id": programs["sofifi"]["id"],
        "rating": 5,
        "submitted_at": "2026-05-01T03:00:00Z",
        "client_ref": "oba-tab-07/0042",
    }
    created = await district_partner.post("/v1/feedback", json=body)
    assert created.status_code == 201, created.text
    moved = await client.patch(
        f"/v1/programs/{programs['sofifi']['id']}", json={"area_codes": [SOASIO]}
    )
    assert moved.status_code == 200, moved.text
    return body


async def test_resending_a_submission_that_left_the_clients_areas_is_409_without_it(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Subjects
) -> None:
    body = await _submitted_then_moved_away(client, district_partner, programs)

    response = await district_partner.post("/v1/feedback", json=body)

    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/submission-out-of-sight"
    assert "Location" not in response.headers
    assert "rating" not in response.json()


async def test_a_batch_duplicate_of_a_submission_that_left_the_clients_areas_has_no_id(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Subjects
) -> None:
    body = await _submitted_then_moved_away(client, district_partner, programs)

    response = await district_partner.post("/v1/feedback/batch", json=[body])

    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["status"], result["id"]) == ("duplicate", None)


@pytest.mark.parametrize("name", HIDDEN)
async def test_feedback_out_of_scope_cannot_be_reviewed_nor_its_history_read(
    make_client: ClientFactory, client: httpx.AsyncClient, feedback: dict[str, Json], name: str
) -> None:
    reviewer = await make_client(
        "feedback:read", "feedback:review", area_codes=[OBA_UTARA], name="Dinas Oba Utara"
    )
    feedback_id = feedback[name]["id"]

    posted = await reviewer.post(
        f"/v1/feedback/{feedback_id}/review", json={"review_status": "approved"}
    )
    listed = await reviewer.get(f"/v1/feedback/{feedback_id}/reviews")

    assert (posted.status_code, listed.status_code) == (404, 404)
    assert posted.json()["detail"] == f"No feedback with id {feedback_id}."
    assert (await client.get(f"/v1/feedback/{feedback_id}")).json() == feedback[name]


@pytest.mark.parametrize("name", VISIBLE)
async def test_feedback_in_scope_can_be_reviewed(
    make_client: ClientFactory, feedback: dict[str, Json], name: str
) -> None:
    reviewer = await make_client(
        "feedback:read", "feedback:review", area_codes=[OBA_UTARA], name="Dinas Oba Utara"
    )
    feedback_id = feedback[name]["id"]

    posted = await reviewer.post(
        f"/v1/feedback/{feedback_id}/review", json={"review_status": "approved"}
    )
    listed = await reviewer.get(f"/v1/feedback/{feedback_id}/reviews")

    assert posted.json()["review_status"] == "approved"
    assert [item["to_status"] for item in listed.json()["data"]] == ["approved"]
