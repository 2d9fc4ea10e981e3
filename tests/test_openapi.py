"""The OpenAPI document is complete enough to generate good clients and read offline."""

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from sofifi_api.resources import VISIBILITY

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
PROBLEM_MEDIA_TYPE = "application/problem+json"


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def is_generic_page_items(schema_name: str, property_name: str) -> bool:
    """`Page[X].data` is a list of X, whose own schema carries the descriptions and examples."""
    return schema_name.startswith("Page_") and property_name == "data"


class _AssetCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "spec-url"} and value:
                self.urls.append(value)


def test_operation_ids_are_unique_snake_case_names(openapi: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in operations(openapi)]

    assert [i for i in ids if not SNAKE_CASE.fullmatch(i)] == []
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_every_component_schema_has_a_description(openapi: dict[str, Any]) -> None:
    undescribed = [
        name
        for name, schema in openapi["components"]["schemas"].items()
        if not schema.get("description")
    ]

    assert not undescribed, "\n".join(undescribed)


def test_every_schema_property_has_a_description_and_an_example(
    openapi: dict[str, Any],
) -> None:
    lacking = []
    for schema_name, schema in openapi["components"]["schemas"].items():
        for property_name, prop in schema.get("properties", {}).items():
            if is_generic_page_items(schema_name, property_name):
                continue
            missing = [
                part
                for part, present in (
                    ("description", bool(prop.get("description"))),
                    ("example", "examples" in prop or "example" in prop),
                )
                if not present
            ]
            if missing:
                lacking.append(f"{schema_name}.{property_name}: no {' or '.join(missing)}")

    assert not lacking, "\n".join(lacking)


def test_every_parameter_has_a_description(openapi: dict[str, Any]) -> None:
    undescribed = [
        f"{operation['operationId']}: {parameter['name']}"
        for _, _, operation in operations(openapi)
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]

    assert not undescribed, "\n".join(undescribed)


def test_bounds_of_body_fields_are_json_schema_keywords(openapi: dict[str, Any]) -> None:
    # Pydantic writes a bound it could not place (under a validator function) as `ge`/`le`,
    # which no JSON Schema tool reads.
    text = json.dumps(openapi["components"]["schemas"])

    assert not re.search(r'"(ge|le|gt|lt)": ', text)
    rating = openapi["components"]["schemas"]["FeedbackCreate"]["properties"]["rating"]
    assert {"type": "integer", "minimum": 1, "maximum": 5}.items() <= rating["anyOf"][0].items()


def test_no_parameter_is_nullable(openapi: dict[str, Any]) -> None:
    # A query parameter or header is sent or left out; a client or fuzzer told it may be null
    # sends the text `null`.
    nullable = [
        (path, method, parameter["name"])
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if "null" in json.dumps(parameter["schema"])
    ]

    assert nullable == []


def test_every_v1_operation_declares_problem_error_responses(openapi: dict[str, Any]) -> None:
    lacking = []
    for path, method, operation in operations(openapi):
        if not path.startswith("/v1/"):
            continue
        errors = {
            status: response
            for status, response in operation["responses"].items()
            if status[0] in "45"
        }
        if not errors:
            lacking.append(f"{method.upper()} {path}: no error responses")
        for status, response in errors.items():
            if PROBLEM_MEDIA_TYPE not in response.get("content", {}):
                lacking.append(f"{method.upper()} {path}: {status} is not problem+json")

    assert not lacking, "\n".join(lacking)


def test_no_operation_uses_the_framework_validation_error_shape(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]

    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_page_uses_only_assets_served_by_the_app(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    collector = _AssetCollector()
    collector.feed(response.text)

    assets = [await client.get(url) for url in collector.urls]

    assert re.findall(r"https?://[^\s\"'<>]+", response.text) == []
    assert any(url.endswith(".js") for url in collector.urls)
    assert [(a.url.path, a.status_code) for a in assets if a.status_code != 200] == []


async def test_openapi_document_names_the_service(openapi: dict[str, Any]) -> None:
    assert openapi["info"]["title"] == "Sofifi API"
    assert openapi["info"]["description"]


def unions(node: Any, at: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every `oneOf` or `anyOf` in the document, with where it is."""
    if isinstance(node, dict):
        if "oneOf" in node or "anyOf" in node:
            yield at, node
        for key, value in node.items():
            yield from unions(value, f"{at}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from unions(value, f"{at}/{index}")


def refs(union: dict[str, Any]) -> set[str]:
    branches = union.get("oneOf", union.get("anyOf", []))
    return {branch["$ref"].rsplit("/", 1)[-1] for branch in branches if "$ref" in branch}


def test_change_feed_entries_are_discriminated_by_type_over_every_feed_type(
    openapi: dict[str, Any],
) -> None:
    schemas = openapi["components"]["schemas"]
    entry = schemas["ChangePage"]["properties"]["data"]["items"]
    mapping = entry["discriminator"]["mapping"]

    assert entry["discriminator"]["propertyName"] == "type"
    assert sorted(mapping) == sorted(VISIBILITY)
    assert refs(entry) == {ref.rsplit("/", 1)[-1] for ref in mapping.values()}


def test_each_change_type_carries_its_typed_resource_or_null(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    mapping = schemas["ChangePage"]["properties"]["data"]["items"]["discriminator"]["mapping"]
    wrong = []
    for change_type, ref in mapping.items():
        properties = schemas[ref.rsplit("/", 1)[-1]]["properties"]
        resource = properties["resource"].get("anyOf", [])
        typed = [branch for branch in resource if branch != {"type": "null"}]
        if properties["type"].get("const") != change_type:
            wrong.append(f"{change_type}: type is not const")
        if {"type": "null"} not in resource or len(typed) != 1:
            wrong.append(f"{change_type}: resource is not one schema or null")
        elif "$ref" not in typed[0] and "discriminator" not in typed[0]:
            wrong.append(f"{change_type}: resource is untyped: {typed[0]}")

    assert wrong == []


def test_every_participant_union_is_discriminated_by_kind(openapi: dict[str, Any]) -> None:
    participant_unions = {
        at: union
        for at, union in unions(openapi)
        if any(name.startswith("Person") for name in refs(union))
        and any(name.startswith("Group") for name in refs(union))
    }
    undiscriminated = [
        at
        for at, union in participant_unions.items()
        if union.get("discriminator", {}).get("propertyName") != "kind"
        or sorted(union["discriminator"]["mapping"]) != ["group", "person"]
    ]

    assert undiscriminated == []
    assert {
        "/paths//v1/participants/post/requestBody/content/application/json/schema",
        "/paths//v1/participants/post/responses/201/content/application/json/schema",
        "/paths//v1/participants/{participant_id}/get/responses/200/content/application/json/schema",
        "/components/schemas/ParticipantPage/properties/data/items",
        "/components/schemas/ParticipantChange/properties/resource/anyOf/0",
    } <= set(participant_unions)
