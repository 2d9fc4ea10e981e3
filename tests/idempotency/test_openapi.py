"""The OpenAPI document offers the Idempotency-Key header wherever the service honours it."""

import json
import re
from typing import Any

import pytest
from fastapi import FastAPI

from sofifi_api.auth.dependencies import TOKEN_URL


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def header_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_every_v1_post_declares_the_idempotency_key_header(document: dict[str, Any]) -> None:
    lacking = [
        path
        for path, item in document["paths"].items()
        if path.startswith("/v1/") and path != TOKEN_URL and "post" in item
        if "Idempotency-Key" not in header_names(item["post"])
    ]

    assert lacking == []


def test_every_v1_post_declares_the_409_and_422_answers(document: dict[str, Any]) -> None:
    lacking = [
        path
        for path, item in document["paths"].items()
        if path.startswith("/v1/") and path != TOKEN_URL and "post" in item
        if not {"409", "422"} <= set(item["post"]["responses"])
    ]

    assert lacking == []


def test_token_endpoint_does_not_declare_the_header(document: dict[str, Any]) -> None:
    assert "Idempotency-Key" not in header_names(document["paths"][TOKEN_URL]["post"])


def test_reads_do_not_declare_the_header(document: dict[str, Any]) -> None:
    assert "Idempotency-Key" not in header_names(document["paths"]["/v1/organizations"]["get"])


def test_document_is_stable_across_calls(app: FastAPI) -> None:
    first = app.openapi()
    parameters = first["paths"]["/v1/organizations"]["post"]["parameters"]

    assert [p["name"] for p in parameters].count("Idempotency-Key") == 1
    assert app.openapi() is first


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a", True),
        ("a", True),
        ("retry 2 of order-17", True),
        ("k" * 255, True),
        ("", False),
        ("k" * 256, False),
        (" leading-space", False),
        ("trailing-space ", False),
        ("kunci-\u00e9", False),
    ],
)
def test_documented_key_pattern_is_the_one_enforced(
    document: dict[str, Any], key: str, valid: bool
) -> None:
    (schema,) = {
        json.dumps(p["schema"], sort_keys=True)
        for item in document["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    }

    assert (re.search(json.loads(schema)["pattern"], key) is not None) is valid
