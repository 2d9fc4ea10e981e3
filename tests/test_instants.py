"""Instants a client sends (RFC 3339 with an offset) are kept in UTC; one that UTC cannot hold,
such as the first instant of year 1 at +14:00, is refused with a 422 naming the field, never a
500, in query parameters and in bodies alike."""

import httpx
import pytest

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
