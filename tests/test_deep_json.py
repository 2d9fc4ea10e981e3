"""However deeply a client nests a JSON body, the answer is a 400 problem, never a 500: every
operation in the OpenAPI document that takes a JSON body is sent one nested 1,000 levels."""

from typing import Any

import httpx
import pytest

from sofifi_api.json_depth import MAX_JSON_DEPTH, nests_deeper_than
from sofifi_api.main import create_app

SOME_ID = "00000000-0000-0000-0000-000000000000"
JSON = {"Content-Type": "application/json"}


def _json_body_operations() -> list[tuple[str, str]]:
    """(method, path with its path parameters filled in) of every operation taking JSON."""
    operations = []
    for template, methods in create_app().openapi()["paths"].items():
        for method, operation in methods.items():
            content: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content and "application/merge-patch+json" not in content:
                continue
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    value = "82.72" if parameter["name"] == "code" else SOME_ID
                    path = path.replace("{" + parameter["name"] + "}", value)
            operations.append((method.upper(), path))
    return operations


OPERATIONS = _json_body_operations()


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_json_body_operations_are_found() -> None:
    assert ("POST", "/v1/feedback/batch") in OPERATIONS
    assert ("POST", "/v1/feedback") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_body_nested_1000_levels_is_400_malformed_json(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, content=b"[" * 1000 + b"]" * 1000, headers=JSON)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/malformed-json"
    assert str(MAX_JSON_DEPTH) in response.json()["detail"]


async def test_batch_nested_in_its_items_is_400_malformed_json(client: httpx.AsyncClient) -> None:
    body = b"[" + nested(1000) + b"]"

    response = await client.post("/v1/feedback/batch", content=body, headers=JSON)

    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-json"


async def test_body_nested_to_the_limit_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/feedback", content=nested(MAX_JSON_DEPTH - 1), headers=JSON)

    assert response.status_code == 422  # parsed and validated: `a` is not a field of feedback


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        (b"[]", False),
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, False),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), True),
        (b'["' + b"[{" * 100 + b'"]', False),
        (b'["\\"' + b"[" * 100 + b'"]', False),
        (b'["\\\\", ' + b"[" * 100 + b"]" * 100 + b"]", True),
        (b"[" + b"[1]," * 1000 + b"[]]", False),
    ],
    ids=[
        "empty",
        "at-limit",
        "past-limit",
        "in-string",
        "escaped-quote",
        "escaped-backslash",
        "wide",
    ],
)
def test_nesting_counts_brackets_outside_strings_only(text: bytes, deeper: bool) -> None:
    assert nests_deeper_than(text) is deeper
