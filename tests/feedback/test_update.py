import httpx
import pytest

from tests.factories import create_feedback


async def _with_status(client: httpx.AsyncClient, program_id: str, status: str) -> str:
    feedback_id: str = (await create_feedback(client, program_id))["id"]
    if status != "new":
        moved = await client.patch(f"/v1/feedback/{feedback_id}", json={"status": status})
        assert moved.status_code == 200, moved.text
    return feedback_id


@pytest.mark.parametrize(
    ("current", "requested"),
    [("new", "acknowledged"), ("acknowledged", "resolved"), ("new", "resolved")],
)
async def test_status_moves_forwards(
    client: httpx.AsyncClient, program_id: str, current: str, requested: str
) -> None:
    feedback_id = await _with_status(client, program_id, current)

    response = await client.patch(f"/v1/feedback/{feedback_id}", json={"status": requested})

    assert response.status_code == 200
    assert response.json()["status"] == requested


@pytest.mark.parametrize(
    ("current", "requested"),
    [("acknowledged", "new"), ("resolved", "acknowledged"), ("resolved", "new")],
)
async def test_status_moving_backwards_is_409(
    client: httpx.AsyncClient, program_id: str, current: str, requested: str
) -> None:
    feedback_id = await _with_status(client, program_id, current)

    response = await client.patch(f"/v1/feedback/{feedback_id}", json={"status": requested})
    fetched = await client.get(f"/v1/feedback/{feedback_id}")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert fetched.json()["status"] == current


@pytest.mark.parametrize("status", ["new", "acknowledged", "resolved"])
async def test_sending_the_current_status_again_is_accepted(
    client: httpx.AsyncClient, program_id: str, status: str
) -> None:
    feedback_id = await _with_status(client, program_id, status)

    response = await client.patch(f"/v1/feedback/{feedback_id}", json={"status": status})

    assert response.status_code == 200
    assert response.json()["status"] == status


async def test_unknown_status_lists_allowed_values(
    client: httpx.AsyncClient, program_id: str
) -> None:
    feedback_id = await _with_status(client, program_id, "new")

    response = await client.patch(f"/v1/feedback/{feedback_id}", json={"status": "closed"})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "status"
    assert "'new', 'acknowledged' or 'resolved'" in error["message"]


async def test_status_cannot_be_null(client: httpx.AsyncClient, program_id: str) -> None:
    feedback_id = await _with_status(client, program_id, "new")

    response = await client.patch(f"/v1/feedback/{feedback_id}", json={"status": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


async def test_response_note_is_set_with_the_status(
    client: httpx.AsyncClient, program_id: str
) -> None:
    created = await create_feedback(client, program_id)

    response = await client.patch(
        f"/v1/feedback/{created['id']}",
        json={"status": "acknowledged", "response_note": "Akan ditindaklanjuti Dinas."},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["response_note"] == "Akan ditindaklanjuti Dinas."
    assert body["updated_at"] > created["updated_at"]


async def test_response_note_alone_leaves_the_status(
    client: httpx.AsyncClient, program_id: str
) -> None:
    feedback_id = await _with_status(client, program_id, "acknowledged")

    response = await client.patch(
        f"/v1/feedback/{feedback_id}", json={"response_note": "Bahan bambu dikirim Juni."}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"


async def test_response_note_can_be_cleared(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id)
    await client.patch(f"/v1/feedback/{created['id']}", json={"response_note": "Catatan."})

    response = await client.patch(f"/v1/feedback/{created['id']}", json={"response_note": None})

    assert response.status_code == 200
    assert response.json()["response_note"] is None


async def test_response_note_longer_than_5000_characters_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    created = await create_feedback(client, program_id)

    response = await client.patch(
        f"/v1/feedback/{created['id']}", json={"response_note": "n" * 5001}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "response_note"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rating", 1),
        ("comment", "Diubah."),
        ("program_id", "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"),
        ("infrastructure_project_id", "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"),
        ("submitted_at", "2026-05-02T03:00:00Z"),
        ("client_ref", "other-ref"),
        ("area_code", "82.72.02.1003"),
        ("received_at", "2026-05-02T03:00:00Z"),
    ],
)
async def test_submitted_content_cannot_be_changed(
    client: httpx.AsyncClient, program_id: str, field: str, value: object
) -> None:
    created = await create_feedback(client, program_id, client_ref="tab-07/0042")

    response = await client.patch(
        f"/v1/feedback/{created['id']}", json={"status": "acknowledged", field: value}
    )
    fetched = await client.get(f"/v1/feedback/{created['id']}")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert fetched.json() == created


async def test_patch_of_deleted_feedback_is_404(client: httpx.AsyncClient, program_id: str) -> None:
    created = await create_feedback(client, program_id)
    await client.delete(f"/v1/feedback/{created['id']}")

    response = await client.patch(f"/v1/feedback/{created['id']}", json={"status": "resolved"})

    assert response.status_code == 404


async def test_response_note_with_nul_character_is_422(
    client: httpx.AsyncClient, program_id: str
) -> None:
    created = await create_feedback(client, program_id)

    response = await client.patch(
        f"/v1/feedback/{created['id']}", json={"response_note": "Sudah\x00diperbaiki"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "response_note"
