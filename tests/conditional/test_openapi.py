"""The OpenAPI document tells client generators about ETag, If-None-Match and If-Match."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sofifi_api.conditional import ETAG_EXAMPLE, parse_entity_tags

PROBLEM_MEDIA_TYPE = "application/problem+json"


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


def v1_operations(document: dict[str, Any], *methods: str) -> Iterator[dict[str, Any]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path.startswith("/v1/") and method in methods:
                yield operation


def header(operation: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next(
        (p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == name),
        None,
    )


def json_gets(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for operation in v1_operations(document, "get")
        if operation["responses"]["200"]
        .get("content", {})
        .get("application/json", {})
        .get("schema")
    ]


def test_every_json_get_documents_its_etag(openapi: dict[str, Any]) -> None:
    lacking = [
        operation["operationId"]
        for operation in json_gets(openapi)
        if "ETag" not in operation["responses"]["200"].get("headers", {})
    ]

    assert lacking == []


def test_every_json_get_takes_if_none_match_and_may_answer_304(openapi: dict[str, Any]) -> None:
    lacking = [
        operation["operationId"]
        for operation in json_gets(openapi)
        if header(operation, "If-None-Match") is None or "304" not in operation["responses"]
    ]

    assert lacking == []


def test_every_patch_and_delete_takes_a_described_if_match(openapi: dict[str, Any]) -> None:
    lacking = [
        operation["operationId"]
        for operation in v1_operations(openapi, "patch", "delete")
        if not (parameter := header(operation, "If-Match"))
        or not parameter.get("description")
        or not parameter.get("schema", {}).get("examples")
    ]

    assert lacking == []


def test_every_patch_and_delete_documents_412_and_400_as_problems(
    openapi: dict[str, Any],
) -> None:
    lacking = [
        f"{operation['operationId']} {status}"
        for operation in v1_operations(openapi, "patch", "delete")
        for status in ("400", "412")
        if PROBLEM_MEDIA_TYPE not in operation["responses"].get(status, {}).get("content", {})
    ]

    assert lacking == []


def test_operations_without_conditions_do_not_mention_them(openapi: dict[str, Any]) -> None:
    conditional_posts = [
        operation["operationId"]
        for operation in v1_operations(openapi, "post")
        if header(operation, "If-Match") or "412" in operation["responses"]
    ]

    # A review changes the feedback it is posted to, as a PATCH would.
    assert conditional_posts == ["review_feedback"]


def test_the_feedback_review_takes_a_described_if_match_and_documents_412_and_400(
    openapi: dict[str, Any],
) -> None:
    operation = openapi["paths"]["/v1/feedback/{feedback_id}/review"]["post"]

    parameter = header(operation, "If-Match")
    assert parameter is not None
    assert parameter["description"]
    for status in ("400", "412"):
        assert PROBLEM_MEDIA_TYPE in operation["responses"][status]["content"]


@pytest.mark.parametrize(
    "value",
    [
        ETAG_EXAMPLE,
        "*",
        " * ",
        f'{ETAG_EXAMPLE}, W/"abc"',
        f'W/"abc",,{ETAG_EXAMPLE}',
        f"{ETAG_EXAMPLE},",
        '""',
        "5dbaaa053e",
        "",
        ",",
        '"abc" "def"',
        '*, "abc"',
        'W/ "abc"',
        '"a"b"',
    ],
)
async def test_documented_if_match_pattern_accepts_what_the_service_reads(
    openapi: dict[str, Any], value: str
) -> None:
    patterns = {
        parameter["schema"]["pattern"]
        for operation in v1_operations(openapi, "patch", "delete")
        if (parameter := header(operation, "If-Match")) is not None
    }

    assert len(patterns) == 1
    assert (re.search(patterns.pop(), value) is not None) is (
        parse_entity_tags([value]) is not None
    )
