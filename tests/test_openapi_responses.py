"""The documented responses tell the truth: every success says what it returns, every error
shows an example that fits its status and the problem types it declares, and try-it-out
pre-fills nothing that would make a second try fail."""

import re
from typing import Any

import pytest
from fastapi import FastAPI

from sofifi_api.auth.dependencies import TOKEN_URL
from sofifi_api.errors import PROBLEM_TYPE_BASE
from sofifi_api.openapi_responses import problem_types
from tests.test_openapi import PROBLEM_MEDIA_TYPE, operations

NAMED_TYPE = re.compile(re.escape(PROBLEM_TYPE_BASE) + r"[a-z0-9-]+")


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def error_responses(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", status, response)
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]


def test_no_response_keeps_the_framework_default_description(document: dict[str, Any]) -> None:
    undescribed = [
        f"{method.upper()} {path} {status}"
        for path, method, operation in operations(document)
        for status, response in operation["responses"].items()
        if response.get("description") in {None, "", "Successful Response"}
    ]

    assert undescribed == []


def test_every_operation_has_a_description(document: dict[str, Any]) -> None:
    undescribed = [
        operation["operationId"]
        for _, _, operation in operations(document)
        if not operation.get("description")
    ]

    assert undescribed == []


def test_every_error_response_declares_a_problem_type_and_shows_an_example_of_each(
    document: dict[str, Any],
) -> None:
    lacking = []
    for where, status, response in error_responses(document):
        declared = set(NAMED_TYPE.findall(response["description"]))
        examples = response["content"][PROBLEM_MEDIA_TYPE].get("examples", {})
        shown = {example["value"]["type"] for example in examples.values()}
        if not declared or not declared <= shown:
            lacking.append(f"{where} {status}: declares {sorted(declared)}, shows {sorted(shown)}")

    assert lacking == []


def test_every_error_example_fits_its_status_and_a_declared_problem_type(
    document: dict[str, Any],
) -> None:
    known = problem_types()
    wrong = []
    for where, status, response in error_responses(document):
        declared = set(NAMED_TYPE.findall(response["description"]))
        for name, example in response["content"][PROBLEM_MEDIA_TYPE]["examples"].items():
            value = example["value"]
            slug = value["type"].removeprefix(PROBLEM_TYPE_BASE)
            fits = (
                value["status"] == int(status)
                and value["type"] in declared
                and known.get(slug) == (int(status), value["title"])
            )
            if not fits:
                wrong.append(f"{where} {status} {name}: {value['type']} {value['status']}")

    assert wrong == []


def test_not_found_examples_name_the_resource_of_their_path(document: dict[str, Any]) -> None:
    responses = document["paths"]["/v1/infrastructure-projects/{project_id}"]["get"]["responses"]
    example = responses["404"]["content"][PROBLEM_MEDIA_TYPE]["examples"]["not-found"]["value"]

    assert example["detail"].startswith("No infrastructure project with id ")
    assert example["instance"].startswith("/v1/infrastructure-projects/")


def test_token_errors_show_the_oauth2_problems(document: dict[str, Any]) -> None:
    responses = document["paths"][TOKEN_URL]["post"]["responses"]

    def shown(status: str) -> set[str]:
        return set(responses[status]["content"][PROBLEM_MEDIA_TYPE]["examples"])

    assert shown("400") == {"invalid-request", "unsupported-grant-type", "invalid-scope"}
    assert shown("401") == {"invalid-client"}


def test_error_responses_offer_only_problem_json(document: dict[str, Any]) -> None:
    other = [
        f"{where} {status}: {sorted(response['content'])}"
        for where, status, response in error_responses(document)
        if set(response["content"]) != {PROBLEM_MEDIA_TYPE}
    ]

    assert other == []


def test_no_idempotency_key_parameter_carries_a_value_to_prefill(
    document: dict[str, Any],
) -> None:
    prefilled = [
        operation["operationId"]
        for _, _, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
        and (
            {"example", "examples"} & parameter.keys()
            or {"example", "examples", "default"} & parameter.get("schema", {}).keys()
        )
    ]

    assert prefilled == []
