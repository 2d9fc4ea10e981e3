"""Errors never repeat what was sent: a NIK pasted into the wrong field must not come back.

A value that looks like a NIK is put, one field at a time, into every field of a valid body of
every operation in the OpenAPI document (and into fields the body leaves out), into every query
parameter and every header parameter. No error answer (4xx) carries it, in its body or its
headers, and no `errors` list inside a successful answer (the feedback batch's item results)
does either. Path parameters are addresses, not submitted data, and are left alone.
"""

import copy
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ClientFactory
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    SURVEY_QUESTIONS,
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_reference_areas,
    create_survey,
)

SENTINEL = "8271014107865555"
Json = dict[str, Any]
Path = tuple[str | int, ...]


async def _created(response: httpx.Response) -> Json:
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


class World:
    """One of each resource, in Sofifi, and valid request bodies naming them."""

    def __init__(self, ids: dict[str, str], api_key: str) -> None:
        self.ids = ids
        self.api_key = api_key

    def path(self, template: str) -> str:
        for name, value in self.ids.items():
            template = template.replace("{" + name + "}", value)
        assert "{" not in template, template
        return template

    def bodies(self) -> dict[tuple[str, str], Any]:
        """A valid body for every operation that takes JSON."""
        ids = self.ids
        feedback = {
            "program_id": ids["program_id"],
            "rating": 4,
            "comment": "Pelatihan sangat bermanfaat.",
            "submitted_at": "2026-05-01T03:00:00Z",
            "survey_id": ids["survey_id"],
            "survey_version": 1,
            "answers": {"overall_satisfaction": 4, "skill_learned": "anyaman_bambu"},
            "area_code": SOFIFI,
        }
        program = {
            "title": "Pelatihan pertanian organik",
            "category": "economic",
            "status": "planned",
            "lead_organization_id": ids["organization_id"],
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "budget_idr": 1_000_000,
            "partners": [{"organization_id": ids["organization_id"], "role": "funder"}],
            "area_codes": [SOFIFI],
        }
        project = {
            "title": "Jalan usaha tani",
            "project_type": "road",
            "status": "preparation",
            "implementing_organization_id": ids["organization_id"],
            "location": {"type": "Point", "coordinates": [127.58056, 0.72444]},
            "area_codes": [SOFIFI],
            "funding_sources": [{"name": "APBD", "amount_idr": 1000}],
        }
        consultation = {"held_on": "2026-03-10", "participants_count": 40, "summary": "Rapat"}
        contribution = {"kind": "labor", "person_days": 2, "description": "Gotong royong"}
        client = {"name": "Mitra", "scopes": ["programs:read"], "area_codes": [SOFIFI]}
        # A public address: no name to resolve.
        webhook = {"url": "https://1.1.1.1/hooks", "types": ["program"], "description": "SID"}
        program_items = "/v1/programs/{program_id}/enrollments"
        projects = "/v1/infrastructure-projects"
        return {
            ("POST", "/v1/organizations"): {
                "name": "LSM Bambu",
                "kind": "ngo",
                "area_code": SOFIFI,
            },
            ("PATCH", "/v1/organizations/{organization_id}"): {"name": "LSM", "area_code": SOFIFI},
            ("POST", "/v1/areas"): {
                "code": "82.72.02.1004",
                "name": "Guraping",
                "level": "village",
                "parent_code": OBA_UTARA,
            },
            ("PATCH", "/v1/areas/{code}"): {"name": "Sofifi", "parent_code": OBA_UTARA},
            ("POST", "/v1/programs"): program,
            ("PATCH", "/v1/programs/{program_id}"): program,
            ("POST", program_items): {
                "participant_id": ids["other_participant_id"],
                "status": "enrolled",
                "enrolled_on": "2026-02-01",
                "notes": "Ibu rumah tangga",
            },
            ("PATCH", program_items + "/{enrollment_id}"): {
                "status": "active",
                "notes": "Aktif",
            },
            ("POST", "/v1/participants"): {
                "kind": "person",
                "full_name": "Siti Hadija",
                "gender": "female",
                "birth_year": 1986,
                "area_code": SOFIFI,
            },
            ("PATCH", "/v1/participants/{participant_id}"): {
                "full_name": "Siti",
                "area_code": SOFIFI,
            },
            ("POST", "/v1/participants/lookup"): {"nik": "8271014107860001"},
            ("POST", projects): project,
            ("PATCH", projects + "/{project_id}"): project,
            ("POST", projects + "/{project_id}/consultations"): consultation,
            ("PATCH", projects + "/{project_id}/consultations/{consultation_id}"): consultation,
            ("POST", projects + "/{project_id}/contributions"): contribution,
            ("PATCH", projects + "/{project_id}/contributions/{contribution_id}"): contribution,
            ("POST", "/v1/surveys"): {"title": "Survei", "questions": SURVEY_QUESTIONS},
            ("PATCH", "/v1/surveys/{survey_id}"): {"title": "Survei", "description": "Kepuasan"},
            ("POST", "/v1/surveys/{survey_id}/versions"): {"questions": SURVEY_QUESTIONS},
            ("POST", "/v1/feedback"): feedback,
            ("POST", "/v1/feedback/batch"): [feedback, feedback | {"client_ref": "r-2"}],
            ("PATCH", "/v1/feedback/{feedback_id}"): {
                "status": "acknowledged",
                "response_note": "Terima kasih",
            },
            ("POST", "/v1/feedback/{feedback_id}/review"): {
                "review_status": "approved",
                "note": "Sesuai berita acara",
            },
            ("POST", "/v1/clients"): client | {"organization_id": ids["organization_id"]},
            ("PATCH", "/v1/clients/{client_id}"): client,
            ("POST", "/v1/clients/{client_id}/keys"): {"grace_seconds": 3600},
            ("POST", "/v1/webhooks"): webhook,
            ("PATCH", "/v1/webhooks/{webhook_id}"): webhook | {"status": "paused"},
            ("POST", "/v1/webhooks/{webhook_id}/secret"): {"grace_seconds": 3600},
        }


async def build_world(admin: httpx.AsyncClient) -> World:
    await create_reference_areas(admin)
    organization = await create_organization(admin, area_code=SOFIFI)
    program = await create_program(admin, organization["id"], area_codes=[SOFIFI])
    person = await create_person(admin, area_code=SOFIFI)
    other = await create_person(admin, area_code=SOFIFI)
    enrollment = await create_enrollment(admin, program["id"], person["id"])
    project = await create_project(admin, area_codes=[SOFIFI])
    survey = await create_survey(admin)
    feedback = await create_feedback(admin, program["id"], area_code=SOFIFI)
    partner = await _created(
        await admin.post(
            "/v1/clients",
            json={"name": "Mitra", "scopes": ["programs:read"], "area_codes": [SOFIFI]},
        )
    )
    webhook = await _created(
        await admin.post("/v1/webhooks", json={"url": "https://1.1.1.1/hooks", "types": []})
    )
    events = (await admin.get("/v1/audit-events", params={"limit": 1})).json()["data"]
    ids = {
        "organization_id": organization["id"],
        "code": SOFIFI,
        "program_id": program["id"],
        "enrollment_id": enrollment["id"],
        "participant_id": person["id"],
        "other_participant_id": other["id"],
        "project_id": project["id"],
        "consultation_id": (await create_consultation(admin, project["id"]))["id"],
        "contribution_id": (await create_contribution(admin, project["id"]))["id"],
        "survey_id": survey["id"],
        "version": "1",
        "feedback_id": feedback["id"],
        "client_id": partner["id"],
        "event_id": events[0]["id"],
        "webhook_id": webhook["id"],
        # No delivery exists: its operations answer 404, which must not echo the id either.
        "delivery_id": "0195f3d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    }
    return World(ids, partner["api_key"])


def resolve(schema: Json, components: Json, like: Any = None) -> Json:
    """The schema itself, past `$ref`, the null branch of `anyOf` and the `oneOf` branch that
    best fits `like` (the value it is to describe)."""
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema or "oneOf" in schema:
            branches = [
                resolve(branch, components, like)
                for branch in schema.get("anyOf") or schema["oneOf"]
                if branch.get("type") != "null"
            ]
            keys = set(like) if isinstance(like, dict) else set()
            schema = max(branches, key=lambda b: len(keys & set(b.get("properties", {}))))
        else:
            return schema


def sentinel_for(schema: Json, components: Json) -> Any:
    """A value of the schema's shape whose every leaf is the sentinel."""
    schema = resolve(schema, components)
    kind = schema.get("type")
    if kind == "array":
        return [sentinel_for(schema.get("items", {}), components)]
    if kind == "object" and "properties" in schema:
        return {name: sentinel_for(sub, components) for name, sub in schema["properties"].items()}
    if kind in {"integer", "number"}:
        return int(SENTINEL)
    if kind == "object":
        return {"key": SENTINEL}
    return SENTINEL


def variants(
    body: Any, schema: Json, components: Json, path: Path = ()
) -> Iterator[tuple[Path, Any]]:
    """(where, value): the sentinel put at each leaf of `body`, added to each of its lists of
    scalars, and given to each field of the schema the body leaves out."""
    if isinstance(body, dict):
        properties = resolve(schema, components, body).get("properties", {})
        for name, value in body.items():
            yield from variants(value, properties.get(name, {}), components, (*path, name))
        for name, sub in properties.items():
            if name not in body:
                yield (*path, name), sentinel_for(sub, components)
    elif isinstance(body, list):
        items = resolve(schema, components).get("items", {})
        for index, value in enumerate(body):
            yield from variants(value, items, components, (*path, index))
        if not body or not isinstance(body[0], (dict, list)):
            yield path, [*body, SENTINEL]
    elif isinstance(body, bool) or body is None:
        return
    elif isinstance(body, (int, float)):
        yield path, int(SENTINEL)
    else:
        yield path, SENTINEL


def placed(body: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(body)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def repeats_the_sentinel(response: httpx.Response) -> bool:
    if response.status_code >= 400:
        return SENTINEL in response.text or any(
            SENTINEL in value for value in response.headers.values()
        )
    if "json" not in response.headers.get("content-type", ""):
        return False
    return SENTINEL in str(list(_errors_inside(response.json())))


def _errors_inside(value: Any) -> Iterator[Any]:
    """Every `errors` member anywhere in a JSON value (batch item results carry them)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == "errors":
                yield inner
            else:
                yield from _errors_inside(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _errors_inside(inner)


def _operations(app: FastAPI) -> list[tuple[str, str, Json]]:
    return [
        (method.upper(), path, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    ]


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await build_world(client)


@pytest.fixture(params=["unrestricted", "area-bound"])
async def caller(
    request: pytest.FixtureRequest,
    world: World,
    client: httpx.AsyncClient,
    make_client: ClientFactory,
) -> httpx.AsyncClient:
    """An admin for every area, or one bound to Oba Utara (whose refusals name areas)."""
    if request.param == "unrestricted":
        return client
    return await make_client("admin", area_codes=[OBA_UTARA], name="Admin Oba Utara")


def test_every_json_operation_has_a_valid_body_to_vary(app: FastAPI) -> None:
    bodies = World(defaultdict(str), "").bodies()
    taking_json = {
        (method, path)
        for method, path, operation in _operations(app)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }

    assert set(bodies) == taking_json


async def test_body_values_are_never_repeated_in_errors(
    app: FastAPI, world: World, caller: httpx.AsyncClient
) -> None:
    components = app.openapi()["components"]["schemas"]
    operations = {(method, path): operation for method, path, operation in _operations(app)}
    repeated: list[str] = []
    for (method, template), body in world.bodies().items():
        content = operations[(method, template)]["requestBody"]["content"]
        schema = content["application/json"]["schema"]
        for where, value in variants(body, schema, components):
            response = await caller.request(
                method, world.path(template), json=placed(body, where, value)
            )
            if repeats_the_sentinel(response) or response.status_code >= 500:
                where_text = ".".join(map(str, where))
                repeated.append(f"{method} {template} {where_text}: {response.text}")

    assert repeated == []


async def test_query_and_header_values_are_never_repeated_in_errors(
    app: FastAPI, world: World, caller: httpx.AsyncClient
) -> None:
    bodies = world.bodies()
    repeated: list[str] = []
    for method, template, operation in _operations(app):
        for parameter in operation.get("parameters", []):
            where, name = parameter["in"], parameter["name"]
            if where == "path":
                continue
            body = bodies.get((method, template))
            sent: dict[str, Any] = {} if body is None else {"json": body}
            if where == "query":
                sent["params"] = {name: SENTINEL}
            else:
                sent["headers"] = {name: SENTINEL}
            response = await caller.request(method, world.path(template), **sent)
            if repeats_the_sentinel(response) or response.status_code >= 500:
                repeated.append(f"{method} {template} {where} {name}: {response.text}")

    assert repeated == []


async def test_token_request_values_are_never_repeated_in_errors(
    anonymous_client: httpx.AsyncClient, world: World
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": world.ids["client_id"],
        "client_secret": world.api_key,
        "scope": "programs:read",
    }
    repeated: list[str] = []
    for name in form:
        for value in (SENTINEL, f"programs:read {SENTINEL}"):
            response = await anonymous_client.post("/v1/oauth/token", data=form | {name: value})
            if repeats_the_sentinel(response) or response.status_code >= 500:
                repeated.append(f"{name}={value}: {response.text}")

    assert repeated == []
