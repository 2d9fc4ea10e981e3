"""Whatever a client puts in a query, the answer is never a 500: every query parameter of every
GET operation in the OpenAPI document is sent values that are out of range, malformed, of the
wrong type, or meant to break SQL, and each is answered with a 2xx or a 4xx problem."""

from typing import Any

import httpx
import pytest

from sofifi_api.main import create_app

HOSTILE = [
    "",
    "-1",
    "99999999999999999999999",
    "1e309",
    "\x00",
    "a" * 5000,
    "'; DROP TABLE programs;--",
    "%_\\",
    "0001-01-01T00:00:00+14:00",
    "[]",
]
SOME_ID = "00000000-0000-0000-0000-000000000000"


def _get_operations() -> list[tuple[str, list[str]]]:
    """(path with its path parameters filled in, names of its query parameters)."""
    operations = []
    for template, methods in create_app().openapi()["paths"].items():
        get: dict[str, Any] | None = methods.get("get")
        if get is None:
            continue
        parameters = get.get("parameters", [])
        path = template
        for parameter in parameters:
            if parameter["in"] == "path":
                value = "82.72" if parameter["name"] == "code" else SOME_ID
                path = path.replace("{" + parameter["name"] + "}", value)
        queries = [parameter["name"] for parameter in parameters if parameter["in"] == "query"]
        if queries:
            operations.append((path, queries))
    return operations


OPERATIONS = _get_operations()


@pytest.mark.parametrize(("path", "queries"), OPERATIONS, ids=[path for path, _ in OPERATIONS])
async def test_hostile_query_values_are_never_a_server_error(
    client: httpx.AsyncClient, path: str, queries: list[str]
) -> None:
    answered = {
        (name, value): (await client.get(path, params={name: value})).status_code
        for name in queries
        for value in HOSTILE
    }

    assert {key: status for key, status in answered.items() if status >= 500} == {}


SEARCHES = [path for path, queries in OPERATIONS if "q" in queries]


def test_searches_are_found() -> None:
    assert "/v1/programs" in SEARCHES
    assert "/v1/exports/participants" in SEARCHES


@pytest.mark.parametrize("path", SEARCHES)
async def test_nul_in_a_search_term_is_422_naming_q(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, params={"q": "a\x00b"})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["location"], e["field"]) for e in response.json()["errors"]] == [("query", "q")]
