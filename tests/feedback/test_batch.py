"""POST /v1/feedback/batch: up to 1,000 submissions, one result per item, in order."""

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients.models import AuditEvent
from sofifi_api.feedback.models import Feedback
from tests.conftest import ClientFactory, QueryCounter
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_organization,
    create_program,
    create_reference_areas,
)
from tests.feedback.conftest import add_program

BATCH = "/v1/feedback/batch"


def _item(program_id: str, ref: str | None = None, **fields: Any) -> dict[str, Any]:
    item = {"program_id": program_id, "rating": 4, "submitted_at": "2026-05-01T03:00:00Z"}
    return item | ({"client_ref": ref} if ref is not None else {}) | fields


def _statuses(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [result["status"] for result in response.json()["results"]]


async def _rows_with_refs(session: AsyncSession, refs: list[str]) -> list[str | None]:
    found = await session.exec(
        select(Feedback.client_ref).where(col(Feedback.client_ref).in_(refs))
    )
    return sorted(found.all(), key=str)


async def test_valid_items_are_created_in_order(client: httpx.AsyncClient, program_id: str) -> None:
    items = [_item(program_id, f"tab-07/{n}") for n in range(3)]

    response = await client.post(BATCH, json=items)

    results = response.json()["results"]
    assert [(r["index"], r["client_ref"], r["status"]) for r in results] == [
        (0, "tab-07/0", "created"),
        (1, "tab-07/1", "created"),
        (2, "tab-07/2", "created"),
    ]
    assert all(r["errors"] == [] for r in results)


async def test_created_items_can_be_fetched(client: httpx.AsyncClient, program_id: str) -> None:
    response = await client.post(BATCH, json=[_item(program_id, "tab-07/0", comment="Bagus.")])

    created = response.json()["results"][0]
    fetched = await client.get(f"/v1/feedback/{created['id']}")
    assert fetched.status_code == 200
    assert (fetched.json()["client_ref"], fetched.json()["comment"]) == ("tab-07/0", "Bagus.")
    assert fetched.json()["status"] == "new"


async def test_batch_items_keep_their_creation_order_in_the_list(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(BATCH, json=[_item(program_id) for _ in range(5)])

    listed = await client.get("/v1/feedback", params={"program_id": program_id})
    assert [item["id"] for item in listed.json()["data"]] == [
        result["id"] for result in response.json()["results"]
    ]


async def test_mixed_batch_reports_each_item_in_order(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    stored = await client.post("/v1/feedback", json=_item(program_id, "tab-07/stored"))
    items = [
        _item(program_id, "tab-07/a"),
        _item(program_id, "tab-07/bad", rating=9),
        _item(program_id, "tab-07/stored"),
        _item(program_id, "tab-07/a"),
        _item(str(uuid.uuid4()), "tab-07/unknown-program"),
        _item(program_id, "tab-07/b"),
    ]

    response = await client.post(BATCH, json=items)

    results = response.json()["results"]
    assert _statuses(response) == [
        "created",
        "invalid",
        "duplicate",
        "duplicate",
        "invalid",
        "created",
    ]
    assert [r["index"] for r in results] == list(range(6))
    assert results[2]["id"] == stored.json()["id"]
    assert results[3]["id"] == results[0]["id"]
    assert [e["field"] for e in results[1]["errors"]] == ["rating"]
    assert [e["field"] for e in results[4]["errors"]] == ["program_id"]
    assert (results[1]["id"], results[4]["id"]) == (None, None)


async def test_invalid_items_store_nothing(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    items = [_item(program_id, "tab-07/bad", rating=9), _item(program_id, "tab-07/good")]

    await client.post(BATCH, json=items)

    assert await _rows_with_refs(session, ["tab-07/bad", "tab-07/good"]) == ["tab-07/good"]


async def test_repeat_of_an_invalid_item_is_judged_on_its_own(
    client: httpx.AsyncClient, program_id: str
) -> None:
    items = [_item(program_id, "tab-07/0", rating=9), _item(program_id, "tab-07/0")]

    response = await client.post(BATCH, json=items)

    assert _statuses(response) == ["invalid", "created"]


async def test_resumed_batch_creates_only_what_was_not_stored(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    items = [_item(program_id, f"tab-07/{n}") for n in range(10)]
    first_half = await client.post(BATCH, json=items[:5])

    response = await client.post(BATCH, json=items)

    assert _statuses(response) == ["duplicate"] * 5 + ["created"] * 5
    first_ids = [r["id"] for r in first_half.json()["results"]]
    assert [r["id"] for r in response.json()["results"][:5]] == first_ids
    refs = [f"tab-07/{n}" for n in range(10)]
    assert await _rows_with_refs(session, refs) == sorted(refs)


async def test_same_refs_from_another_client_are_created(
    client: httpx.AsyncClient, make_client: ClientFactory, program_id: str
) -> None:
    other_app = await make_client("feedback:write", name="Other survey app")
    items = [_item(program_id, f"tab-07/{n}") for n in range(2)]
    await client.post(BATCH, json=items)

    response = await other_app.post(BATCH, json=items)

    assert _statuses(response) == ["created", "created"]


async def test_item_errors_match_those_of_a_single_post(
    client: httpx.AsyncClient, program_id: str
) -> None:
    item = _item(program_id, rating=None, comment=None, submitted_at="2026-05-01T03:00:00")
    single = await client.post("/v1/feedback", json=item)

    response = await client.post(BATCH, json=[item])

    assert response.json()["results"][0]["errors"] == single.json()["errors"]


async def test_item_of_wrong_shape_names_the_field_relative_to_the_item(
    client: httpx.AsyncClient, program_id: str
) -> None:
    items = [_item(program_id), _item(program_id, colour="blue")]

    response = await client.post(BATCH, json=items)

    assert _statuses(response) == ["created", "invalid"]
    assert [e["field"] for e in response.json()["results"][1]["errors"]] == ["colour"]


async def test_survey_answer_errors_are_reported_per_item(
    client: httpx.AsyncClient, program_id: str, survey_id: str
) -> None:
    survey: dict[str, Any] = {"survey_id": survey_id, "survey_version": 1}
    items = [
        _item(program_id, answers={"kepuasan": 5}, **survey),
        _item(program_id, answers={"kepuasan": 7, "warna": "biru"}, **survey),
    ]

    response = await client.post(BATCH, json=items)

    assert _statuses(response) == ["created", "invalid"]
    errors = response.json()["results"][1]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("answers.kepuasan", "out_of_range"),
        ("answers.warna", "unknown_question"),
    ]


async def test_empty_batch_answers_no_results(client: httpx.AsyncClient) -> None:
    response = await client.post(BATCH, json=[])

    assert response.status_code == 200
    assert response.json() == {"results": []}


async def test_more_than_1000_items_is_413(client: httpx.AsyncClient, program_id: str) -> None:
    response = await client.post(BATCH, json=[_item(program_id)] * 1001)

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_1000_items_are_accepted(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    response = await client.post(BATCH, json=[_item(program_id, f"r/{n}") for n in range(1000)])

    assert _statuses(response) == ["created"] * 1000


@pytest.mark.parametrize("body", [b'{"rating": 4}', b'"feedback"', b"4", b"null"])
async def test_body_that_is_not_an_array_is_422(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(BATCH, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_array_of_non_objects_is_422_naming_the_items(
    client: httpx.AsyncClient, program_id: str
) -> None:
    response = await client.post(BATCH, json=[_item(program_id), 4, "x"])

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["1", "2"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(BATCH, content=b"[{", headers={"Content-Type": "application/json"})

    assert response.status_code == 400


async def test_body_over_10_mib_is_413(client: httpx.AsyncClient) -> None:
    body = json.dumps([{"comment": "x" * 1024}] * 10_300).encode()

    response = await client.post(BATCH, content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 413


async def test_each_created_item_has_an_audit_event(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    items = [_item(program_id, "tab-07/0"), _item(program_id, "tab-07/0"), _item(program_id)]

    response = await client.post(BATCH, json=items)

    created = [r["id"] for r in response.json()["results"] if r["status"] == "created"]
    events = (
        await session.exec(
            select(AuditEvent).where(
                AuditEvent.resource_type == "feedback",
                col(AuditEvent.resource_id).in_(created),
            )
        )
    ).all()
    assert sorted(event.resource_id or "" for event in events) == sorted(created)
    assert {(event.action, event.request_id) for event in events} == {
        ("create", response.headers["Request-Id"])
    }


async def test_resent_items_add_no_audit_events(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    items = [_item(program_id, f"tab-07/{n}") for n in range(3)]
    first = await client.post(BATCH, json=items[:2])

    await client.post(BATCH, json=items)

    stored = [r["id"] for r in first.json()["results"]]
    events = (
        await session.exec(
            select(AuditEvent.resource_id).where(
                AuditEvent.resource_type == "feedback", col(AuditEvent.resource_id).in_(stored)
            )
        )
    ).all()
    assert sorted(event or "" for event in events) == sorted(stored)


async def test_batch_issues_the_same_number_of_queries_whatever_its_size(
    client: httpx.AsyncClient, session: AsyncSession, count_queries: QueryCounter
) -> None:
    programs = [await add_program(session) for _ in range(3)]
    small = [_item(programs[0], "s/0"), _item(programs[1], "s/1")]
    large = [_item(programs[n % 3], f"l/{n}") for n in range(30)]

    # Authenticated once before counting: both requests below find the credential held.
    await client.get("/v1/feedback?limit=1")
    count_queries.count = 0
    await client.post(BATCH, json=small)
    small_queries = count_queries.count
    count_queries.count = 0
    await client.post(BATCH, json=large)

    assert count_queries.count == small_queries


async def test_restricted_client_gets_the_single_post_errors_for_items_outside_its_areas(
    client: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    await create_reference_areas(client)
    lead = await create_organization(client)
    inside = await create_program(client, lead["id"], area_codes=[SOFIFI])
    outside = await create_program(client, lead["id"], area_codes=[OBA_UTARA])
    village_app = await make_client("feedback:write", area_codes=[SOFIFI], name="Aplikasi desa")
    items = [
        _item(inside["id"]),
        _item(outside["id"]),
        _item(inside["id"], area_code=OBA_UTARA),
    ]

    response = await village_app.post(BATCH, json=items)
    singles = [await village_app.post("/v1/feedback", json=item) for item in items[1:]]

    assert _statuses(response) == ["created", "invalid", "invalid"]
    results = response.json()["results"]
    assert [results[1]["errors"], results[2]["errors"]] == [s.json()["errors"] for s in singles]
    assert [s.status_code for s in singles] == [422, 403]


async def test_lone_surrogate_in_one_item_refuses_only_that_item(
    client: httpx.AsyncClient, session: AsyncSession, program_id: str
) -> None:
    # "\ud800" escaped in JSON decodes to a lone surrogate, which no database can store as text.
    body = json.dumps(
        [_item(program_id, "tab-07/0"), _item(program_id, "tab-07/1", comment="\ud800")]
    )

    response = await client.post(BATCH, content=body, headers={"Content-Type": "application/json"})

    assert _statuses(response) == ["created", "invalid"]
    errors = response.json()["results"][1]["errors"]
    assert [e["field"] for e in errors] == ["comment"]
    assert "\\ud800" not in response.text
    assert await _rows_with_refs(session, ["tab-07/0", "tab-07/1"]) == ["tab-07/0"]


@pytest.mark.parametrize(
    ("field", "item_fields"),
    [
        ("client_ref", {"client_ref": "tab-07/\ud800"}),
        ("answers.saran", {"answers": {"kepuasan": 4, "saran": "Bagus \udfff"}}),
        ("answers", {"answers": {"kepuasan": 4, "\ud800": "x"}}),
    ],
)
async def test_lone_surrogate_anywhere_in_an_item_refuses_only_that_item(
    client: httpx.AsyncClient,
    program_id: str,
    survey_id: str,
    field: str,
    item_fields: dict[str, Any],
) -> None:
    survey: dict[str, Any] = {"survey_id": survey_id, "survey_version": 1}
    bad = _item(program_id, **survey) | item_fields
    body = json.dumps([_item(program_id, "tab-07/0", answers={"kepuasan": 5}, **survey), bad])

    response = await client.post(BATCH, content=body, headers={"Content-Type": "application/json"})

    assert _statuses(response) == ["created", "invalid"]
    [error] = response.json()["results"][1]["errors"]
    assert error["field"].startswith(field)
