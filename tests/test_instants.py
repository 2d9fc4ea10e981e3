"""Instants a client sends (RFC 3339 with an offset) are kept in UTC; one that UTC cannot hold,
such as the first instant of year 1 at +14:00, is refused with a 422 naming the field, never a
500, in query parameters and in bodies alike."""

import httpx
import pytest

from sofifi_api.main import create_app
from tests.factories import create_program, create_project

YEAR_1_AHEAD_OF_UTC = "0001-01-01T00:00:00+14:00"
YEAR_9999_BEHIND_UTC = "9999-12-31T23:59:59-12:00"


def assert_refused(response: httpx.Response, location: str, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["location"], error["field"]) == (location, field)


@pytest.mark.parametrize("instant", [YEAR_1_AHEAD_OF_UTC, YEAR_9999_BEHIND_UTC])
@pytest.mark.parametrize(
    "path", ["/v1/programs", "/v1/participants", "/v1/feedback", "/v1/exports/feedback"]
)
async def test_updated_since_beyond_utc_is_422(
    client: httpx.AsyncClient, path: str, instant: str
) -> None:
    response = await client.get(path, params={"updated_since": instant})

    assert_refused(response, "query", "updated_since")


@pytest.mark.parametrize("parameter", ["submitted_from", "submitted_to"])
async def test_feedback_submission_window_beyond_utc_is_422(
    client: httpx.AsyncClient, parameter: str
) -> None:
    response = await client.get("/v1/feedback", params={parameter: YEAR_1_AHEAD_OF_UTC})

    assert_refused(response, "query", parameter)


@pytest.mark.parametrize("parameter", ["occurred_from", "occurred_to"])
async def test_audit_window_beyond_utc_is_422(client: httpx.AsyncClient, parameter: str) -> None:
    response = await client.get("/v1/audit-events", params={parameter: YEAR_9999_BEHIND_UTC})

    assert_refused(response, "query", parameter)


async def test_consent_time_beyond_utc_is_422_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/participants",
        json={
            "kind": "person",
            "full_name": "Siti Hadija",
            "consent_given": True,
            "consent_basis": "consent",
            "consent_at": YEAR_1_AHEAD_OF_UTC,
        },
    )

    assert_refused(response, "body", "consent_at")
    assert (await client.get("/v1/participants")).json()["data"] == []


def _instant_query_parameters() -> list[tuple[str, str]]:
    """(path template, name) of every date-time query parameter."""
    found = []
    for template, methods in create_app().openapi()["paths"].items():
        for operation in methods.values():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                schemas = parameter["schema"].get("anyOf", [parameter["schema"]])
                if parameter["in"] == "query" and {"format": "date-time", "type": "string"} in [
                    {k: v for k, v in s.items() if k in {"format", "type"}} for s in schemas
                ]:
                    found.append((template, parameter["name"]))
    return found


INSTANT_QUERIES = _instant_query_parameters()
NOT_RFC_3339 = [
    "0.5",
    "1999999999",
    "-1.5",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00Z",
    "2026-01-01",
]


def test_instant_query_parameters_are_found() -> None:
    assert ("/v1/exports/feedback", "submitted_from") in INSTANT_QUERIES
    assert ("/v1/programs", "updated_since") in INSTANT_QUERIES


@pytest.mark.parametrize(
    ("path", "parameter"), INSTANT_QUERIES, ids=[f"{p} {n}" for p, n in INSTANT_QUERIES]
)
async def test_instant_query_parameter_takes_rfc_3339_with_offset_only(
    client: httpx.AsyncClient, path: str, parameter: str
) -> None:
    if "{program_id}" in path:
        path = path.replace("{program_id}", (await create_program(client))["id"])
    if "{project_id}" in path:
        path = path.replace("{project_id}", (await create_project(client))["id"])
    answered = {
        value: (await client.get(path, params={parameter: value})) for value in NOT_RFC_3339
    }

    assert {value: r.status_code for value, r in answered.items()} == dict.fromkeys(
        NOT_RFC_3339, 422
    )
    for response in answered.values():
        assert_refused(response, "query", parameter)


@pytest.mark.parametrize("submitted_at", [1999999999, 0.5, "1999999999", "2026-05-01 03:00:00Z"])
async def test_feedback_submitted_at_takes_rfc_3339_with_offset_only(
    client: httpx.AsyncClient, submitted_at: object
) -> None:
    program = await create_program(client)

    response = await client.post(
        "/v1/feedback",
        json={"program_id": program["id"], "rating": 4, "submitted_at": submitted_at},
    )

    assert_refused(response, "body", "submitted_at")


async def test_client_expiry_takes_rfc_3339_with_offset_only(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/clients",
        json={"name": "Survey app", "scopes": ["feedback:write"], "expires_at": 1999999999},
    )

    assert_refused(response, "body", "expires_at")


async def test_instant_with_offset_is_kept_in_utc(client: httpx.AsyncClient) -> None:
    program = await create_program(client)

    response = await client.post(
        "/v1/feedback",
        json={
            "program_id": program["id"],
            "rating": 4,
            "submitted_at": "2026-05-01T12:00:00.25+09:00",
        },
    )

    assert response.status_code == 201, response.text
    assert response.json()["submitted_at"] == "2026-05-01T03:00:00.250000Z"
