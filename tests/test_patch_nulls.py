"""Every PATCH body's schema says which fields may be cleared, and the service agrees: a field
declared nullable takes null; any other may be left out but null is refused (422 `not_null`).
Generated clients trust the document, so a field that drifts from it fails here."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.factories import (
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_survey,
)

PROJECTS = "/v1/infrastructure-projects"


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


@pytest.fixture
async def patchable(client: httpx.AsyncClient) -> dict[str, list[str]]:
    """For each PATCH path of the document, live resources to patch. A field may be clearable
    on some only (a participant's fields depend on its kind, `person_days` is required for
    labour), so those paths have one of each."""
    area = await client.post(
        "/v1/areas", json={"code": "82", "name": "Maluku Utara", "level": "province"}
    )
    assert area.status_code == 201, area.text
    partner = await client.post(
        "/v1/clients", json={"name": "Dinas Kominfo", "scopes": ["programs:read"]}
    )
    assert partner.status_code == 201, partner.text
    # A public address: no name to resolve.
    webhook = await client.post("/v1/webhooks", json={"url": "https://1.1.1.1/hooks"})
    assert webhook.status_code == 201, webhook.text
    organization = await create_organization(client)
    program = await create_program(client, organization["id"])
    person = await create_person(client)
    group = await create_group(client, [person["id"]])
    enrollment = await create_enrollment(client, program["id"], person["id"])
    project = await create_project(client)
    consultation = await create_consultation(client, project["id"])
    labor = await create_contribution(client, project["id"])
    materials = await create_contribution(
        client, project["id"], kind="materials", person_days=None, value_idr=2_400_000
    )
    return {
        "/v1/organizations/{organization_id}": [f"/v1/organizations/{organization['id']}"],
        "/v1/areas/{code}": ["/v1/areas/82"],
        "/v1/programs/{program_id}": [f"/v1/programs/{program['id']}"],
        "/v1/programs/{program_id}/enrollments/{enrollment_id}": [
            f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}"
        ],
        "/v1/participants/{participant_id}": [
            f"/v1/participants/{person['id']}",
            f"/v1/participants/{group['id']}",
        ],
        PROJECTS + "/{project_id}": [f"{PROJECTS}/{project['id']}"],
        PROJECTS + "/{project_id}/consultations/{consultation_id}": [
            f"{PROJECTS}/{project['id']}/consultations/{consultation['id']}"
        ],
        PROJECTS + "/{project_id}/contributions/{contribution_id}": [
            f"{PROJECTS}/{project['id']}/contributions/{labor['id']}",
            f"{PROJECTS}/{project['id']}/contributions/{materials['id']}",
        ],
        "/v1/surveys/{survey_id}": [f"/v1/surveys/{(await create_survey(client))['id']}"],
        "/v1/feedback/{feedback_id}": [
            f"/v1/feedback/{(await create_feedback(client, program['id']))['id']}"
        ],
        "/v1/clients/{client_id}": [f"/v1/clients/{partner.json()['id']}"],
        "/v1/webhooks/{webhook_id}": [f"/v1/webhooks/{webhook.json()['id']}"],
    }


def patch_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, schema name, schema) of every PATCH operation's JSON body."""
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        if "patch" in item:
            ref = item["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            name = ref.rsplit("/", 1)[-1]
            yield path, name, schemas[name]


def is_nullable(schema: dict[str, Any]) -> bool:
    branches = schema.get("anyOf", schema.get("oneOf", [schema]))
    return any(branch.get("type") == "null" for branch in branches)


def refuses_null(response: httpx.Response, field: str) -> bool:
    return response.status_code == 422 and any(
        error["field"] == field and error["code"] == "not_null"
        for error in response.json()["errors"]
    )


def test_every_patch_body_is_an_update_schema_of_optional_fields(
    openapi: dict[str, Any],
) -> None:
    wrong = [
        f"{path}: {name}"
        for path, name, schema in patch_bodies(openapi)
        if not name.endswith("Update") or schema.get("required")
    ]

    assert wrong == []


def test_every_patch_path_has_resources_to_try(
    openapi: dict[str, Any], patchable: dict[str, list[str]]
) -> None:
    assert sorted(path for path, _, _ in patch_bodies(openapi)) == sorted(patchable)


async def test_a_field_takes_null_exactly_when_its_schema_is_nullable(
    client: httpx.AsyncClient, openapi: dict[str, Any], patchable: dict[str, list[str]]
) -> None:
    disagreements = []
    for path, name, schema in patch_bodies(openapi):
        for field, field_schema in schema["properties"].items():
            responses = [
                await client.patch(url, json={field: None}) for url in patchable.get(path, [])
            ]
            if is_nullable(field_schema):
                agrees = any(r.is_success for r in responses) and not any(
                    refuses_null(r, field) for r in responses
                )
            else:
                agrees = bool(responses) and all(refuses_null(r, field) for r in responses)
            if not agrees:
                statuses = [r.status_code for r in responses]
                nullable = "nullable" if is_nullable(field_schema) else "not nullable"
                disagreements.append(f"{name}.{field} ({nullable}): {statuses}")

    assert disagreements == []
