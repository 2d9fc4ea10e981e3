"""Every error is an RFC 9457 problem with a request id, whatever part of the stack raised it."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sofifi_api.auth.dependencies import requires
from sofifi_api.db import Database
from sofifi_api.main import create_app

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "request_id"}
ORGANIZATION = {"name": "Yayasan Bambu Lestari", "kind": "ngo"}
ONE_MIB = 1024 * 1024


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_FIELDS
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["request_id"] == response.headers["Request-Id"]
    return body


def oversized_organization() -> bytes:
    padding = "x" * (ONE_MIB + 1)
    return f'{{"name": "Yayasan", "kind": "ngo", "description": "{padding}"}}'.encode()


async def test_malformed_json_is_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/organizations",
        content=b'{"name": "Yayasan", "kind": ',
        headers={"Content-Type": "application/json"},
    )

    body = assert_problem(response, 400)
    assert body["type"] == "/problems/malformed-json"


async def test_plain_text_body_is_415_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/organizations", content=b"name=Yayasan", headers={"Content-Type": "text/plain"}
    )

    assert_problem(response, 415)


async def test_form_body_is_415_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/organizations", data={"name": "Yayasan", "kind": "ngo"})

    assert_problem(response, 415)


async def test_body_over_one_mib_with_content_length_is_413_problem(
    client: httpx.AsyncClient,
) -> None:
    content = oversized_organization()

    response = await client.post(
        "/v1/organizations", content=content, headers={"Content-Type": "application/json"}
    )

    assert "Content-Length" in response.request.headers
    assert_problem(response, 413)


async def test_streamed_body_over_one_mib_is_413_problem(client: httpx.AsyncClient) -> None:
    content = oversized_organization()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), 64 * 1024):
            yield content[start : start + 64 * 1024]

    response = await client.post(
        "/v1/organizations", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.request.headers
    assert_problem(response, 413)


async def test_oversized_body_creates_nothing(client: httpx.AsyncClient) -> None:
    await client.post(
        "/v1/organizations",
        content=oversized_organization(),
        headers={"Content-Type": "application/json"},
    )

    listed = await client.get("/v1/organizations")

    assert listed.json()["data"] == []


async def test_unknown_path_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/no-such-collection")

    body = assert_problem(response, 404)
    assert body["instance"] == "/v1/no-such-collection"


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/organizations", json=ORGANIZATION)

    body = assert_problem(response, 405)
    assert "PUT" in body["detail"]


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/organizations")

    assert response.status_code == 200
    assert len(response.headers["Request-Id"]) >= 8


async def test_client_request_id_is_echoed_in_header_and_problem(
    client: httpx.AsyncClient,
) -> None:
    request_id = "survey-app-7f3a9c21"

    response = await client.get("/v1/no-such-collection", headers={"Request-Id": request_id})

    assert response.headers["Request-Id"] == request_id
    assert assert_problem(response, 404)["request_id"] == request_id


async def test_unusable_client_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/organizations", headers={"Request-Id": "bad id <script>"})

    assert response.headers["Request-Id"] != "bad id <script>"


async def test_validation_problem_lists_field_paths(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/organizations", json={"name": "", "kind": "church"})

    body = assert_problem(response, 422)
    assert body["type"] == "/problems/validation-error"
    fields = {(error["location"], error["field"]) for error in body["errors"]}
    assert fields == {("body", "name"), ("body", "kind")}
    assert all(error["message"] and error["code"] for error in body["errors"])


async def test_validation_problem_never_echoes_submitted_values(
    client: httpx.AsyncClient,
) -> None:
    secret = "3171234567890123"

    response = await client.post(
        "/v1/organizations",
        json={"name": secret * 20, "kind": f"kind-{secret}", "website": 12345, "extra": secret},
    )

    assert_problem(response, 422)
    assert secret not in response.text
    assert "12345" not in response.text


async def test_query_validation_problem_names_the_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/organizations", params={"kind": "church"})

    body = assert_problem(response, 422)
    assert [(e["location"], e["field"]) for e in body["errors"]] == [("query", "kind")]


@pytest.fixture
async def failing_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The real application plus one route that fails with an unexpected exception."""
    app = create_app(database)

    @app.get("/v1/test-failure")
    async def fail() -> None:
        raise RuntimeError("connection string postgresql://secret@db leaked in a traceback")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_unhandled_exception_is_500_problem_without_internals(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get("/v1/test-failure")

    body = assert_problem(response, 500)
    assert body["type"] == "/problems/internal-error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


async def test_unhandled_exception_tells_a_counted_client_where_it_stands(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    @app.get("/v1/test-counted-failure", dependencies=[requires("organizations:read")])
    async def fail_counted() -> None:
        raise RuntimeError("failed after the request was counted")

    response = await client.get("/v1/test-counted-failure")

    assert_problem(response, 500)
    assert response.headers["RateLimit-Policy"].startswith('"default";q=')
    assert response.headers["RateLimit"].startswith('"default";r=')
