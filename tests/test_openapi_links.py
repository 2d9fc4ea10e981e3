"""OpenAPI links chain a create (or a list) to what can then be done with the resource, so that
clients and stateful fuzzers can follow create → read → update → delete without guessing ids."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import create_consultation, create_project
from tests.test_openapi import operations

PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
BODY_VALUE = re.compile(r"^\$response\.body#((?:/[a-z0-9_]+)+)$")
REQUEST_PATH_VALUE = re.compile(r"^\$request\.path\.([a-z0-9_]+)$")


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def links(document: dict[str, Any]) -> Iterator[tuple[str, str, str, str, dict[str, Any]]]:
    """(path, method, status, link name, link) for every link of every response."""
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                yield path, method, status, name, link


def operation_ids(document: dict[str, Any]) -> dict[str, str]:
    """The path of each operation, by its id."""
    return {operation["operationId"]: path for path, _, operation in operations(document)}


def item_path(document: dict[str, Any], collection: str) -> str | None:
    items = [
        path
        for path in document["paths"]
        if path.startswith(collection + "/")
        and PATH_PARAMETER.fullmatch(path.removeprefix(collection + "/"))
    ]
    return items[0] if len(items) == 1 else None


def linked_ids(document: dict[str, Any], path: str, method: str, status: str) -> set[str]:
    response = document["paths"][path][method]["responses"][status]
    return {link["operationId"] for link in response.get("links", {}).values()}


def follow(
    link: dict[str, Any], body: dict[str, Any], request_path: dict[str, str]
) -> dict[str, str]:
    """The linked operation's path parameters, evaluated as a client would."""
    values = {}
    for name, expression in link["parameters"].items():
        if from_body := BODY_VALUE.fullmatch(expression):
            value: Any = body
            for step in from_body[1].strip("/").split("/"):
                value = value[int(step)] if isinstance(value, list) else value[step]
            values[name] = str(value)
        else:
            from_path = REQUEST_PATH_VALUE.fullmatch(expression)
            assert from_path is not None, expression
            values[name] = request_path[from_path[1]]
    return values


def test_every_create_links_to_the_read_update_and_delete_of_its_resource(
    document: dict[str, Any],
) -> None:
    lacking = []
    for path, method, operation in operations(document):
        item = item_path(document, path)
        if method != "post" or "201" not in operation["responses"] or item is None:
            continue
        expected = {
            document["paths"][item][verb]["operationId"]
            for verb in ("get", "patch", "delete")
            if verb in document["paths"][item]
        }
        missing = expected - linked_ids(document, path, "post", "201")
        if missing:
            lacking.append(f"{operation['operationId']}: no link to {sorted(missing)}")

    assert lacking == []


def test_every_list_links_to_the_read_of_its_items(document: dict[str, Any]) -> None:
    lacking = []
    for path, method, operation in operations(document):
        item = item_path(document, path)
        if method != "get" or item is None or "get" not in document["paths"][item]:
            continue
        if document["paths"][item]["get"]["operationId"] not in linked_ids(
            document, path, "get", "200"
        ):
            lacking.append(operation["operationId"])

    assert lacking == []


def test_a_list_links_only_to_reads(document: dict[str, Any]) -> None:
    methods = {operation["operationId"]: method for _, method, operation in operations(document)}

    writes = [
        f"{path} -> {link['operationId']}"
        for path, method, _, _, link in links(document)
        if method == "get" and methods[link["operationId"]] != "get"
    ]

    assert writes == []


def test_a_created_parent_links_to_the_collections_under_it(document: dict[str, Any]) -> None:
    program = linked_ids(document, "/v1/programs", "post", "201")
    project = linked_ids(document, "/v1/infrastructure-projects", "post", "201")
    survey = linked_ids(document, "/v1/surveys", "post", "201")

    assert {"list_enrollments", "create_enrollment"} <= program
    assert {
        "list_consultations",
        "create_consultation",
        "list_contributions",
        "create_contribution",
    } <= project
    assert {"list_survey_versions", "publish_survey_version"} <= survey


def test_every_link_names_an_operation_and_fills_exactly_its_path_parameters(
    document: dict[str, Any],
) -> None:
    paths = operation_ids(document)
    wrong = []
    for path, method, status, name, link in links(document):
        target = paths.get(link.get("operationId", ""))
        where = f"{method.upper()} {path} {status} {name}"
        if target is None:
            wrong.append(f"{where}: no operation {link.get('operationId')}")
        elif set(link["parameters"]) != set(PATH_PARAMETER.findall(target)):
            wrong.append(f"{where}: {sorted(link['parameters'])} for {target}")

    assert wrong == []


def test_every_link_value_comes_from_the_response_body_or_the_request_path(
    document: dict[str, Any],
) -> None:
    wrong = []
    for path, method, status, name, link in links(document):
        for parameter, expression in link["parameters"].items():
            from_path = REQUEST_PATH_VALUE.fullmatch(expression)
            if BODY_VALUE.fullmatch(expression) or (
                from_path and from_path[1] in PATH_PARAMETER.findall(path)
            ):
                continue
            wrong.append(f"{method.upper()} {path} {status} {name}: {parameter}={expression}")

    assert wrong == []


async def test_following_the_links_of_a_create_reaches_the_created_resource(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    project = await create_project(client)
    consultation = await create_consultation(client, project["id"])
    paths = operation_ids(document)
    created = [
        ("/v1/infrastructure-projects", {}, project),
        (
            "/v1/infrastructure-projects/{project_id}/consultations",
            {"project_id": project["id"]},
            consultation,
        ),
    ]

    answers = []
    for collection, request_path, body in created:
        response = document["paths"][collection]["post"]["responses"]["201"]
        for link in response["links"].values():
            target = paths[link["operationId"]]
            if "get" not in document["paths"][target]:
                continue
            url = target.format(**follow(link, body, request_path))
            answers.append((link["operationId"], (await client.get(url)).status_code))

    assert {"get_infrastructure_project", "get_consultation"} <= {name for name, _ in answers}
    assert [answer for answer in answers if answer[1] != 200] == []


async def test_following_a_list_link_reaches_its_first_item(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    project = await create_project(client)
    page = (await client.get("/v1/infrastructure-projects")).json()
    link = document["paths"]["/v1/infrastructure-projects"]["get"]["responses"]["200"]["links"][
        "get_infrastructure_project"
    ]

    response = await client.get(
        "/v1/infrastructure-projects/{project_id}".format(**follow(link, page, {}))
    )

    assert response.status_code == 200
    assert page["data"][0]["id"] == project["id"]
