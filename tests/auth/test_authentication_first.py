"""A credential is checked before anything reads the request body: an anonymous caller learns
nothing about how a request would be handled."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.auth.test_operations import concrete, protected_operations
from tests.conftest import ClientFactory

MALFORMED = b'{"title": "Pelatihan'
JSON = {"Content-Type": "application/json"}
UNKNOWN_KEY = "sfk_abcdefghij_" + "x" * 43


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthorized"
    assert response.headers["www-authenticate"].startswith('Bearer realm="sofifi-api"')


async def test_malformed_body_without_a_credential_is_401(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post("/v1/programs", content=MALFORMED, headers=JSON)

    assert_unauthorized(response)
    assert "error=" not in response.headers["www-authenticate"]


async def test_malformed_body_with_an_unknown_key_is_401(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post(
        "/v1/programs", content=MALFORMED, headers=JSON | {"Authorization": f"Bearer {UNKNOWN_KEY}"}
    )

    assert_unauthorized(response)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_malformed_body_with_a_valid_key_is_still_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/programs", content=MALFORMED, headers=JSON)

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-json"


async def test_body_of_the_wrong_type_without_a_credential_is_401(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post(
        "/v1/programs", content=b"title=x", headers={"Content-Type": "text/plain"}
    )

    assert_unauthorized(response)


async def test_every_write_with_a_malformed_body_and_no_credential_is_401(
    anonymous_client: httpx.AsyncClient, app: FastAPI
) -> None:
    writes = [
        (method, path)
        for method, path, _scopes in protected_operations(app)
        if method in {"POST", "PUT", "PATCH"}
    ]
    wrong = []
    for method, path in writes:
        response = await anonymous_client.request(
            method, concrete(path), content=MALFORMED, headers=JSON
        )
        if response.status_code != 401 or "Bearer" not in response.headers["www-authenticate"]:
            wrong.append(f"{method} {path}: {response.status_code}")

    assert len(writes) >= 25
    assert wrong == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/docs", 200),
        ("GET", "/v1/no-such-resource", 404),
        ("POST", "/nowhere", 404),
        ("PUT", "/v1/programs", 405),
    ],
)
async def test_paths_without_an_operation_needing_a_credential_answer_as_before(
    anonymous_client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await anonymous_client.request(method, path)

    assert response.status_code == status


@pytest.fixture
def key_lookups(connection: AsyncConnection) -> Iterator[list[str]]:
    """The statements that look up an API key, as the requests send them."""
    lookups: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM api_keys" in statement:
            lookups.append(statement)

    sync_connection = connection.sync_connection
    assert sync_connection is not None
    event.listen(sync_connection, "before_cursor_execute", record)
    yield lookups
    event.remove(sync_connection, "before_cursor_execute", record)


async def test_a_request_is_authenticated_once(
    make_client: ClientFactory, key_lookups: list[str]
) -> None:
    partner = await make_client("organizations:write")
    key_lookups.clear()

    response = await partner.post(
        "/v1/organizations",
        json={"name": "Dinas Sosial Provinsi Maluku Utara", "kind": "government"},
        headers={"Idempotency-Key": "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"},
    )

    assert response.status_code == 201
    assert len(key_lookups) == 1
