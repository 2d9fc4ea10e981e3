"""A submission is stored by one statement that checks its references itself; what it answers
and what it leaves behind are those of the checks it skips.

Submissions valid on their face are stored by `RecordedInsert` under the condition that their
subject and area hold; the others (survey answers, refusals, resent client_refs) take the
checks that say why. Both must answer what `GET /v1/feedback/{id}` answers, byte for byte, and
record the same audit event and change."""

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.changes.models import Change
from sofifi_api.clients.models import ApiClient
from tests.conftest import ClientFactory
from tests.factories import SOFIFI, create_program, create_reference_areas
from tests.feedback.conftest import add_program

SUBMITTED = {"submitted_at": "2026-05-01T12:00:00+09:00"}


async def _events(client: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit-events", params=filters)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["data"]
    return events


@pytest.fixture
def submissions(
    program_id: str, project_id: str, sofifi_area: str, survey_id: str
) -> dict[str, dict[str, Any]]:
    """One submission of each shape, named by the path it takes."""
    return {
        "rating and comment": {"program_id": program_id, "rating": 4, "comment": "Bermanfaat."}
        | SUBMITTED,
        "about a project, in an area, with a reference": {
            "infrastructure_project_id": project_id,
            "comment": "Jalan sudah bisa dilalui \u2014 terima kasih.",
            "area_code": sofifi_area,
            "client_ref": "oba-tab-07/0042",
        }
        | SUBMITTED,
        "survey answers": {
            "program_id": program_id,
            "survey_id": survey_id,
            "survey_version": 1,
            "answers": {"kepuasan": 5, "anggota": 12, "kebutuhan": ["modal"], "ikut_lagi": True},
        }
        | SUBMITTED,
    }


@pytest.mark.parametrize(
    "shape",
    ["rating and comment", "about a project, in an area, with a reference", "survey answers"],
)
async def test_the_201_body_is_byte_for_byte_what_get_answers(
    client: httpx.AsyncClient, submissions: dict[str, dict[str, Any]], shape: str
) -> None:
    created = await client.post("/v1/feedback", json=submissions[shape])

    fetched = await client.get(created.headers["Location"])

    assert created.status_code == 201
    assert created.headers["Location"] == f"http://testserver/v1/feedback/{created.json()['id']}"
    assert fetched.status_code == 200
    assert created.content == fetched.content


async def test_a_resent_client_ref_answers_byte_for_byte_what_get_answers(
    client: httpx.AsyncClient, submissions: dict[str, dict[str, Any]]
) -> None:
    body = submissions["about a project, in an area, with a reference"]
    await client.post("/v1/feedback", json=body)

    again = await client.post("/v1/feedback", json=body)
    fetched = await client.get(again.headers["Location"])

    assert again.status_code == 200
    assert again.content == fetched.content


@pytest.mark.parametrize(
    "shape",
    ["rating and comment", "about a project, in an area, with a reference", "survey answers"],
)
async def test_a_submission_leaves_one_create_event_naming_client_and_request(
    client: httpx.AsyncClient,
    submissions: dict[str, dict[str, Any]],
    session: AsyncSession,
    shape: str,
) -> None:
    response = await client.post("/v1/feedback", json=submissions[shape])

    events = await _events(client, resource_id=response.json()["id"])
    admin = await session.exec(select(ApiClient.id).where(col(ApiClient.name) == "Test admin"))

    assert [
        (e["action"], e["resource_type"], e["client_id"], e["request_id"], e["details"])
        for e in events
    ] == [
        (
            "create",
            "feedback",
            str(admin.one()),
            response.headers["Request-Id"],
            {},
        )
    ]


async def test_a_submission_leaves_one_change_of_feedback(
    client: httpx.AsyncClient, session: AsyncSession, submissions: dict[str, dict[str, Any]]
) -> None:
    async def feedback_changes() -> int:
        counted = await session.exec(
            select(sa.func.count()).where(col(Change.resource_type) == "feedback")
        )
        return counted.one()

    before = await feedback_changes()

    await client.post("/v1/feedback", json=submissions["rating and comment"])

    assert await feedback_changes() == before + 1


async def test_a_refused_submission_leaves_no_event(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    deleted_program = await add_program(session, deleted=True)

    response = await client.post(
        "/v1/feedback", json={"program_id": deleted_program, "rating": 4} | SUBMITTED
    )

    assert response.status_code == 422
    assert await _events(client, resource_type="feedback") == []


async def test_a_valid_submission_is_stored_with_one_statement_on_postgresql(
    client: httpx.AsyncClient,
    connection: AsyncConnection,
    submissions: dict[str, dict[str, Any]],
    is_postgres: bool,
) -> None:
    """The row, the check of what it refers to and its audit event; SQLite, which has no
    INSERT in a WITH clause, records the event with a second statement."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sync_connection = connection.sync_connection
    assert sync_connection is not None
    await client.get("/v1/feedback")  # the client's grant is held from here on
    event.listen(sync_connection, "before_cursor_execute", seen)
    try:
        response = await client.post("/v1/feedback", json=submissions["rating and comment"])
    finally:
        event.remove(sync_connection, "before_cursor_execute", seen)

    assert response.status_code == 201
    assert len(statements) == (1 if is_postgres else 2)
    assert all(statement.lstrip().startswith(("WITH", "INSERT")) for statement in statements)


async def test_an_area_restricted_client_submitting_about_a_covered_program_is_201_like_get(
    make_client: ClientFactory, client: httpx.AsyncClient
) -> None:
    await create_reference_areas(client)
    program = await create_program(client, area_codes=[SOFIFI])
    partner = await make_client("feedback:read", "feedback:write", area_codes=[SOFIFI])

    created = await partner.post(
        "/v1/feedback",
        json={"program_id": program["id"], "rating": 5, "area_code": SOFIFI} | SUBMITTED,
    )
    fetched = await partner.get(created.headers["Location"])

    assert created.status_code == 201
    assert created.content == fetched.content
