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


def test_search_terms_are_among_the_queries() -> None:
    assert ("/v1/programs", ["q"]) in [
        (path, [q for q in qs if q == "q"]) for path, qs in OPERATIONS
    ]


@pytest.mark.parametrize(("path", "queries"), OPERATIONS, ids=[path for path, _ in OPERATIONS])
async def test_nul_in_any_query_parameter_is_422_naming_it(
    client: httpx.AsyncClient, path: str, queries: list[str]
) -> None:
    named = {}
    for name in queries:
        response = await client.get(path, params={name: "a\x00b"})
        errors = response.json().get("errors", []) if response.status_code == 422 else []
        named[name] = (response.status_code, [(e["location"], e["field"]) for e in errors])

    assert named == {name: (422, [("query", name)]) for name in queries}
