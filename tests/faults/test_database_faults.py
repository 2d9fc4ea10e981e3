"""What a partner sees while the database is stopped, frozen, and back: 503 with Retry-After,
quickly, and then service again without a restart."""

import asyncio
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from sofifi_api.auth.cache import HOLD_SECONDS
from tests.faults.conftest import FaultyDatabase

PROBLEM = "application/problem+json"


@pytest.fixture
def http(faulty_database: FaultyDatabase) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=faulty_database.server.url, timeout=10) as client:
        yield client
    faulty_database.proxy.resume()


def _token_request(http: httpx.Client, faulty_database: FaultyDatabase) -> httpx.Response:
    partner = faulty_database.partner
    return http.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": partner.key,
        },
    )


def _requests(http: httpx.Client, faulty_database: FaultyDatabase) -> dict[str, httpx.Response]:
    """A data route, the token endpoint and the readiness probe, each timed."""
    headers = faulty_database.partner.headers
    return {
        "GET /v1/programs": http.get("/v1/programs", headers=headers),
        "POST /v1/oauth/token": _token_request(http, faulty_database),
        "GET /health/ready": http.get("/health/ready"),
    }


def _assert_unavailable(response: httpx.Response, within: float) -> None:
    assert response.status_code == 503, f"{response.request.url.path}: {response.text}"
    assert response.headers["content-type"] == PROBLEM
    if response.request.url.path == "/health/ready":
        assert response.json()["reason"] == "database-unreachable"
    else:
        assert response.json()["type"] == "/problems/service-unavailable"
    assert int(response.headers["retry-after"]) >= 1
    assert response.elapsed.total_seconds() < within


def test_a_stopped_database_answers_503_with_retry_after_within_a_second(
    http: httpx.Client, faulty_database: FaultyDatabase
) -> None:
    assert http.get("/v1/programs", headers=faulty_database.partner.headers).status_code == 200

    faulty_database.proxy.refuse()

    for response in _requests(http, faulty_database).values():
        _assert_unavailable(response, within=1.0)


def test_a_frozen_database_answers_503_within_the_statement_timeout(
    http: httpx.Client, faulty_database: FaultyDatabase
) -> None:
    assert http.get("/v1/programs", headers=faulty_database.partner.headers).status_code == 200

    faulty_database.proxy.freeze()

    for response in _requests(http, faulty_database).values():
        # The test server's database timeouts are 1 s: a request may meet two of them (a
        # pooled connection that does not answer, then a new one that cannot be opened).
        _assert_unavailable(response, within=2.5)


def test_the_service_recovers_without_a_restart_once_the_database_is_back(
    http: httpx.Client, faulty_database: FaultyDatabase
) -> None:
    faulty_database.proxy.refuse()
    assert http.get("/health/ready").status_code == 503
    faulty_database.proxy.freeze()
    faulty_database.proxy.resume()
    time.sleep(0.1)

    responses = _requests(http, faulty_database)

    assert {name: response.status_code for name, response in responses.items()} == {
        "GET /v1/programs": 200,
        "POST /v1/oauth/token": 200,
        "GET /health/ready": 200,
    }


def test_every_operation_answers_503_while_the_database_is_stopped(
    http: httpx.Client, faulty_database: FaultyDatabase
) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    faulty_database.proxy.refuse()
    # A grant held from before the stop would let an operation refuse its empty body (422)
    # without asking the database; past the hold, every request must ask it.
    time.sleep(HOLD_SECONDS)

    answers = {}
    for path, operations in paths.items():
        if path in {"/health", "/v1/oauth/token"}:
            continue  # no database behind the liveness probe; the token endpoint: see above
        url = re.sub(r"\{[^}]+\}", "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a", path)
        for method in operations:
            response = http.request(method, url, headers=faulty_database.partner.headers)
            answers[f"{method.upper()} {path}"] = response.status_code

    assert answers == dict.fromkeys(answers, 503)


def test_more_requests_than_connections_on_a_frozen_database_all_answer_503_in_time(
    http: httpx.Client, faulty_database: FaultyDatabase
) -> None:
    assert http.get("/v1/programs", headers=faulty_database.partner.headers).status_code == 200
    faulty_database.proxy.freeze()

    async def crowd() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=faulty_database.server.url,
            headers=faulty_database.partner.headers,
            timeout=10,
        ) as client:
            # More than the pool's 5 connections and 10 overflow: some wait for a connection.
            return await asyncio.gather(*(client.get("/v1/programs") for _ in range(24)))

    responses = asyncio.run(crowd())

    for response in responses:
        # A wait for a connection (1 s), then for a connection that does not open (1 s).
        _assert_unavailable(response, within=3.0)
