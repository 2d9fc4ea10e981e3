import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import create_feedback, create_program
from tests.feedback.conftest import add_program, add_project


def _fields(response: httpx.Response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def _body(**fields: Any) -> dict[str, Any]:
    return {"rating": 4, "submitted_at": "2026-05-01T03:00:00Z"} | fields


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback",
        json={
            "program_id": program_id,
            "rating": 5,
            "comment": "Pelatihan sangat bermanfaat.",
            "submitted_at": "2026-05-01T03:00:00Z",
            "client_ref": "oba-tab-07/0042",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["program_id"] == program_id
    assert body["infrastructure_project_id"] is None
    assert body["rating"] == 5
    assert body["comment"] == "Pelatihan sangat bermanfaat."
    assert body["client_ref"] == "oba-tab-07/0042"
    assert body["status"] == "new"
    assert body["response_note"] is None
    assert body["deleted_at"] is None
    assert response.headers["Location"].endswith(f"/v1/feedback/{body['id']}")


async def test_factory_body_is_accepted(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id)

    assert created["rating"] == 4


async def test_feedback_about_an_infrastructure_project_is_accepted(
    client: httpx.AsyncClient, project_id: str
) -> None:
    created = await create_feedback(client, infrastructure_project_id=project_id)

    assert created["infrastructure_project_id"] == project_id
    assert created["program_id"] is None


async def test_created_feedback_can_be_fetched(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id)

    response = await client.get(f"/v1/feedback/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_submitted_at_keeps_the_instant_given_normalised_to_utc(
    client: httpx.AsyncClient, program_id: str
) -> None:
    created = await create_feedback(
        client, program_id, submitted_at="2026-05-01T12:00:00.250+09:00"
    )

    assert created["submitted_at"] == "2026-05-01T03:00:00.250000Z"


async def test_received_at_is_the_server_time_of_arrival(
    client: httpx.AsyncClient, program_id: str
) -> None:
    before = datetime.now(UTC)
    created = await create_feedback(client, program_id, submitted_at="2026-01-02T00:00:00Z")
    after = datetime.now(UTC)

    received_at = datetime.fromisoformat(created["received_at"])
    assert before <= received_at <= after


@pytest.mark.parametrize(
    ("field", "value"),
    [("received_at", "2026-05-01T03:00:00Z"), ("status", "resolved"), ("response_note", "ok")],
)
async def test_server_managed_field_cannot_be_sent_on_create(
    client: httpx.AsyncClient, program_id: str, field: str, value: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, **{field: value})
    )

    assert response.status_code == 422
    assert _fields(response) == [field]


async def test_feedback_about_both_a_program_and_a_project_is_422_naming_both(
    client: httpx.AsyncClient, program_id: str, project_id: str
) -> None:
    response = await client.post(
        "/v1/feedback",
        json=_body(program_id=program_id, infrastructure_project_id=project_id),
    )

    assert response.status_code == 422
    assert _fields(response) == ["program_id", "infrastructure_project_id"]


async def test_feedback_about_nothing_is_422_naming_both_subjects(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/feedback", json=_body())

    assert response.status_code == 422
    assert _fields(response) == ["program_id", "infrastructure_project_id"]


async def test_feedback_with_both_subjects_null_is_422_naming_both(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=None, infrastructure_project_id=None)
    )

    assert response.status_code == 422
    assert _fields(response) == ["program_id", "infrastructure_project_id"]


async def test_unknown_program_is_422_naming_program_id(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/feedback", json=_body(program_id=str(uuid.uuid4())))

    assert response.status_code == 422
    assert _fields(response) == ["program_id"]


async def test_deleted_program_is_422_naming_program_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    deleted = await add_program(session, deleted=True)

    response = await client.post("/v1/feedback", json=_body(program_id=deleted))

    assert response.status_code == 422
    assert _fields(response) == ["program_id"]


async def test_unknown_project_is_422_naming_infrastructure_project_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(infrastructure_project_id=str(uuid.uuid4()))
    )

    assert response.status_code == 422
    assert _fields(response) == ["infrastructure_project_id"]


async def test_deleted_project_is_422_naming_infrastructure_project_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    deleted = await add_project(session, deleted=True)

    response = await client.post("/v1/feedback", json=_body(infrastructure_project_id=deleted))

    assert response.status_code == 422
    assert _fields(response) == ["infrastructure_project_id"]


async def test_malformed_program_id_is_422_naming_program_id(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/feedback", json=_body(program_id="program-7"))

    assert response.status_code == 422
    assert _fields(response) == ["program_id"]


@pytest.mark.parametrize("rating", [0, 6, -1, 2**40])
async def test_rating_outside_1_to_5_is_422(
    client: httpx.AsyncClient, program_id: str, rating: int
) -> None:
    response = await client.post("/v1/feedback", json=_body(program_id=program_id, rating=rating))

    assert response.status_code == 422
    assert _fields(response) == ["rating"]


@pytest.mark.parametrize("rating", [1, 5])
async def test_rating_bounds_are_accepted(
    client: httpx.AsyncClient, program_id: str, rating: int
) -> None:
    created = await create_feedback(client, program_id, rating=rating)

    assert created["rating"] == rating


async def test_rating_alone_is_enough(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id, comment=None)

    assert created["comment"] is None


async def test_comment_alone_is_enough(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id, rating=None)

    assert created["rating"] is None


async def test_neither_rating_nor_comment_is_422_naming_both(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json={"program_id": program_id, "submitted_at": "2026-05-01T03:00:00Z"}
    )

    assert response.status_code == 422
    assert _fields(response) == ["rating", "comment"]


async def test_blank_comment_without_rating_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, rating=None, comment="   ")
    )

    assert response.status_code == 422
    assert _fields(response) == ["rating", "comment"]


async def test_comment_longer_than_5000_characters_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, comment="a" * 5001)
    )

    assert response.status_code == 422
    assert _fields(response) == ["comment"]


async def test_known_area_is_accepted(
    client: httpx.AsyncClient, program_id: str, sofifi_area: str
) -> None:
    created = await create_feedback(client, program_id, area_code=sofifi_area)

    assert created["area_code"] == sofifi_area


async def test_unknown_area_is_422_naming_area_code(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, area_code="99.99")
    )

    assert response.status_code == 422
    assert _fields(response) == ["area_code"]


async def test_submitted_at_more_than_10_minutes_ahead_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    ahead = (datetime.now(UTC) + timedelta(minutes=11)).isoformat()

    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, submitted_at=ahead)
    )

    assert response.status_code == 422
    assert _fields(response) == ["submitted_at"]


async def test_device_clock_in_eastern_indonesia_time_is_not_taken_as_future(
    client: httpx.AsyncClient, program_id: str
) -> None:
    # Its clock face is 9 hours ahead of UTC, but the instant is now.
    now_in_wit = datetime.now(UTC).astimezone(timezone(timedelta(hours=9)))

    created = await create_feedback(client, program_id, submitted_at=now_in_wit.isoformat())

    assert datetime.fromisoformat(created["submitted_at"]) == now_in_wit


async def test_submitted_at_slightly_ahead_of_the_server_is_accepted(
    client: httpx.AsyncClient, program_id: str
) -> None:
    ahead = datetime.now(UTC) + timedelta(minutes=9)

    created = await create_feedback(client, program_id, submitted_at=ahead.isoformat())

    assert datetime.fromisoformat(created["submitted_at"]) == ahead


async def test_submitted_days_ago_by_an_offline_device_is_accepted(
    client: httpx.AsyncClient, program_id: str
) -> None:
    days_ago = datetime.now(UTC) - timedelta(days=12)

    created = await create_feedback(client, program_id, submitted_at=days_ago.isoformat())

    assert datetime.fromisoformat(created["submitted_at"]) == days_ago


@pytest.mark.parametrize("naive", ["2026-05-01T12:00:00", "2026-05-01 12:00:00", "2026-05-01"])
async def test_submitted_at_without_offset_is_422(
    client: httpx.AsyncClient, program_id: str, naive: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, submitted_at=naive)
    )

    assert response.status_code == 422
    assert _fields(response) == ["submitted_at"]


@pytest.mark.parametrize("unix_seconds", [1777604400, "1777604400"])
async def test_submitted_at_as_unix_seconds_is_422(
    client: httpx.AsyncClient, program_id: str, unix_seconds: int | str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, submitted_at=unix_seconds)
    )

    assert response.status_code == 422
    assert _fields(response) == ["submitted_at"]


async def test_submitted_at_outside_the_representable_range_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, submitted_at="0001-01-01T00:00:00+09:00")
    )

    assert response.status_code == 422
    assert _fields(response) == ["submitted_at"]


async def test_missing_submitted_at_is_422(client: httpx.AsyncClient, program_id: str) -> None:
    response = await client.post("/v1/feedback", json={"program_id": program_id, "rating": 3})

    assert response.status_code == 422
    assert _fields(response) == ["submitted_at"]


async def test_client_ref_longer_than_100_characters_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, client_ref="r" * 101)
    )

    assert response.status_code == 422
    assert _fields(response) == ["client_ref"]


@pytest.mark.parametrize("client_ref", ["halut-07\n0042", "halut-07\x000042", "halut\u200b07"])
async def test_client_ref_with_unprintable_characters_is_422_without_echo(
    client: httpx.AsyncClient, program_id: str, client_ref: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, client_ref=client_ref)
    )

    assert response.status_code == 422
    assert _fields(response) == ["client_ref"]
    assert "halut" not in response.text


async def test_delete_answers_204_then_404(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id)

    deleted = await client.delete(f"/v1/feedback/{created['id']}")
    fetched = await client.get(f"/v1/feedback/{created['id']}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_feedback_cannot_be_deleted_again(
    client: httpx.AsyncClient, program_id: str
) -> None:
    created = await create_feedback(client, program_id)
    await client.delete(f"/v1/feedback/{created['id']}")

    response = await client.delete(f"/v1/feedback/{created['id']}")

    assert response.status_code == 404


async def test_unknown_id_answers_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/feedback/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_id_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/feedback/not-an-id")

    assert response.status_code == 404


async def test_comment_with_nul_character_is_422_naming_comment(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(
        "/v1/feedback", json=_body(program_id=program_id, comment="Jalan\x00rusak")
    )

    assert response.status_code == 422
    assert _fields(response) == ["comment"]


async def test_comment_with_lone_surrogate_is_422_naming_comment(
    client: httpx.AsyncClient, program_id: str
) -> None:
    body = json.dumps(_body(program_id=program_id, comment="Jalan \ud800 rusak"))

    response = await client.post(
        "/v1/feedback", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert _fields(response) == ["comment"]


async def test_rating_true_is_422_and_stores_nothing(client: httpx.AsyncClient) -> None:
    program = await create_program(client)

    response = await client.post(
        "/v1/feedback",
        json={"program_id": program["id"], "rating": True, "submitted_at": "2026-05-01T03:00:00Z"},
    )

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["rating"]
    assert (await client.get("/v1/feedback")).json()["data"] == []
