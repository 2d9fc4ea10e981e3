"""A client bound to areas reaches the same rows of each resource type by every path: its
list, single reads, the change feed, every export format and the audit trail, and the
statistics count exactly those rows.

The data straddles the boundary on purpose: an enrollment of a person in the client's village
in a program targeting only another regency, feedback naming an area outside, a project serving
both sides."""

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sofifi_api.audit.recording import resource_type_of
from sofifi_api.changes.models import ChangeType
from sofifi_api.db import Database
from sofifi_api.resources import VISIBILITY
from tests.databases import committed_client, migrated_database
from tests.factories import (
    SOFIFI,
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_reference_areas,
    create_survey,
)

TERNATE = "82.71"
READS = [
    "organizations:read",
    "areas:read",
    "programs:read",
    "participants:read",
    "participants:pii",
    "projects:read",
    "surveys:read",
    "feedback:read",
    "audit:read",
]
Json = dict[str, Any]


@dataclass
class World:
    """Every row created, by feed type, with the parent path of sub-resources, and the rows a
    client bound to Sofifi is meant to see."""

    created: dict[str, set[str]] = field(default_factory=dict)
    visible: dict[str, set[str]] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, item: Json, *, visible: bool, parent: str | None = None) -> Json:
        key = str(item.get("id", item.get("code")))
        self.created.setdefault(kind, set()).add(key)
        self.visible.setdefault(kind, set())
        if visible:
            self.visible[kind].add(key)
        if parent is not None:
            self.parent[key] = parent
        return item


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("every_path")) as url:
        yield url


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = Database(database_url)
    yield opened
    await opened.dispose()


@pytest.fixture(scope="module")
async def world(database: Database) -> World:
    admin = await committed_client(database, "admin")
    world = World()
    await create_reference_areas(admin)
    ternate = {"code": TERNATE, "name": "Kota Ternate", "level": "regency", "parent_code": "82"}
    assert (await admin.post("/v1/areas", json=ternate)).status_code == 201
    areas = (await admin.get("/v1/areas", params={"limit": 500})).json()["data"]
    for area in areas:
        world.add("area", area, visible=True)
    lead = world.add("organization", await create_organization(admin), visible=True)
    world.add("survey", await create_survey(admin), visible=True)

    def program(codes: list[str], visible: bool) -> Awaitable[Json]:
        async def make() -> Json:
            made = await create_program(admin, lead["id"], area_codes=codes)
            return world.add("program", made, visible=visible)

        return make()

    here = await program([SOFIFI], True)
    there = await program([TERNATE], False)
    both = await program([SOFIFI, TERNATE], True)

    villager = world.add("participant", await create_person(admin, area_code=SOFIFI), visible=True)
    townsman = world.add(
        "participant", await create_person(admin, area_code=TERNATE), visible=False
    )
    group = await create_group(admin, [villager["id"], townsman["id"]], area_code=SOFIFI)
    world.add("participant", group, visible=True)

    for made_in, person, visible in (
        (here, villager, True),
        (there, villager, False),  # the person is in Sofifi, the program is not
        (both, villager, True),
        (both, townsman, False),  # the program reaches Sofifi, the person is not there
    ):
        path = f"/v1/programs/{made_in['id']}/enrollments"
        made = await create_enrollment(admin, made_in["id"], person["id"])
        world.add("enrollment", made, visible=visible, parent=path)

    projects = {}
    for name, codes, visible in (
        ("here", [SOFIFI], True),
        ("there", [TERNATE], False),
        ("both", [SOFIFI, TERNATE], True),
    ):
        made = await create_project(admin, area_codes=codes)
        projects[name] = world.add("infrastructure_project", made, visible=visible)
        path = f"/v1/infrastructure-projects/{made['id']}"
        consultation = await create_consultation(admin, made["id"])
        world.add("consultation", consultation, visible=visible, parent=f"{path}/consultations")
        contribution = await create_contribution(admin, made["id"])
        world.add("contribution", contribution, visible=visible, parent=f"{path}/contributions")

    for subject, area_code, visible in (
        ({"program_id": here["id"]}, None, True),
        ({"program_id": both["id"]}, TERNATE, False),  # names an area outside
        ({"program_id": there["id"]}, None, False),
        ({"infrastructure_project_id": projects["both"]["id"]}, SOFIFI, True),
        ({"infrastructure_project_id": projects["there"]["id"]}, None, False),
    ):
        made = await create_feedback(admin, area_code=area_code, **subject)
        world.add("feedback", made, visible=visible)
    issued = await admin.post("/v1/clients", json={"name": "Bappeda", "scopes": ["areas:read"]})
    assert issued.status_code == 201, issued.text
    await admin.aclose()
    return world


@pytest.fixture(scope="module")
async def partner(database: Database, world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client with every read scope, bound to the village Sofifi."""
    http = await committed_client(database, *READS, area_codes=[SOFIFI])
    yield http
    await http.aclose()


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {str(item.get("id", item.get("code"))) for item in response.json()["data"]}


async def _listed(http: httpx.AsyncClient, path: str) -> set[str]:
    found: set[str] = set()
    params: dict[str, str] = {"limit": "2"}
    while True:
        response = await http.get(path, params=params)
        found |= _ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return found
        params["cursor"] = cursor


def _export_keys(response: httpx.Response, export_format: str, key: str) -> set[str]:
    assert response.status_code == 200, response.text
    if export_format == "csv":
        rows = csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"), newline=""))
        return {row[key] for row in rows}
    if export_format == "ndjson":
        return {json.loads(line)[key] for line in response.text.splitlines() if line}
    document = response.json()
    items = document["features"] if export_format == "geojson" else document["projects"]
    return {str(item["id"]) for item in items}


@dataclass(frozen=True)
class Paths:
    """Where a resource type can be read: its collection (None: under each parent in
    `World.parent`), its export and the formats it is written in."""

    collection: str | None
    export: str | None = None
    formats: tuple[str, ...] = ("csv", "ndjson")


PATHS: dict[str, Paths] = {
    "organization": Paths("/v1/organizations", "/v1/exports/organizations"),
    "area": Paths("/v1/areas", "/v1/exports/areas"),
    "program": Paths("/v1/programs", "/v1/exports/programs"),
    "enrollment": Paths(None, "/v1/exports/enrollments"),
    "participant": Paths("/v1/participants", "/v1/exports/participants"),
    "infrastructure_project": Paths(
        "/v1/infrastructure-projects",
        "/v1/exports/infrastructure-projects",
        ("csv", "ndjson", "geojson", "oc4ids"),
    ),
    "consultation": Paths(None, "/v1/exports/consultations"),
    "contribution": Paths(None, "/v1/exports/contributions"),
    "feedback": Paths("/v1/feedback", "/v1/exports/feedback"),
    "survey": Paths("/v1/surveys"),
}


def test_every_resource_type_has_one_visibility_rule_and_its_paths() -> None:
    assert set(VISIBILITY) == set(ChangeType) == set(PATHS)


async def _through_lists(http: httpx.AsyncClient, kind: str, world: World) -> set[str]:
    collection = PATHS[kind].collection
    if collection is not None:
        return await _listed(http, collection)
    found: set[str] = set()
    for parent in sorted({world.parent[key] for key in world.created[kind]}):
        response = await http.get(parent)
        if response.status_code != 404:
            found |= await _listed(http, parent)
    return found


async def _through_single_reads(http: httpx.AsyncClient, kind: str, world: World) -> set[str]:
    collection = PATHS[kind].collection
    found: set[str] = set()
    for key in world.created[kind]:
        response = await http.get(f"{collection or world.parent[key]}/{key}")
        assert response.status_code in (200, 404), response.text
        if response.status_code == 200:
            found.add(key)
    return found


async def _through_the_feed(http: httpx.AsyncClient, kind: str, _world: World) -> set[str]:
    found: set[str] = set()
    params = {"types": kind, "limit": "3"}
    while True:
        response = await http.get("/v1/changes", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        if not body["data"]:
            return found
        found |= {entry["id"] for entry in body["data"] if entry["op"] == "upsert"}
        params["cursor"] = body["next_cursor"]


async def _through_the_audit_trail(http: httpx.AsyncClient, kind: str, _world: World) -> set[str]:
    audited = resource_type_of(VISIBILITY[kind].table)
    found: set[str] = set()
    params = {"resource_type": audited, "action": "create", "limit": "500"}
    while True:
        response = await http.get("/v1/audit-events", params=params)
        assert response.status_code == 200, response.text
        found |= {event["resource_id"] for event in response.json()["data"]}
        if response.json()["next_cursor"] is None:
            break
        params["cursor"] = response.json()["next_cursor"]
    for event in await _single_audit_events(http, kind):
        assert event["resource_id"] in found
    return found


async def _single_audit_events(http: httpx.AsyncClient, kind: str) -> list[Json]:
    """The partner's own listing agrees with reading each event by id."""
    audited = resource_type_of(VISIBILITY[kind].table)
    listed = await http.get("/v1/audit-events", params={"resource_type": audited})
    events: list[Json] = listed.json()["data"]
    for event in events:
        single = await http.get(f"/v1/audit-events/{event['id']}")
        assert single.status_code == 200, single.text
    return events


Reach = Callable[[httpx.AsyncClient, str, World], Awaitable[set[str]]]
REACHES: dict[str, Reach] = {
    "list": _through_lists,
    "single read": _through_single_reads,
    "change feed": _through_the_feed,
    "audit trail": _through_the_audit_trail,
}


@pytest.mark.parametrize("reach", REACHES)
@pytest.mark.parametrize("kind", sorted(ChangeType))
async def test_each_path_reaches_exactly_the_rows_the_rule_lets_the_client_see(
    partner: httpx.AsyncClient, world: World, kind: str, reach: str
) -> None:
    assert await REACHES[reach](partner, kind, world) == world.visible[kind]


@pytest.mark.parametrize(
    ("kind", "export_format"),
    [
        (kind, export_format)
        for kind, paths in sorted(PATHS.items())
        if paths.export is not None
        for export_format in paths.formats
    ],
)
async def test_each_export_carries_exactly_the_rows_the_rule_lets_the_client_see(
    partner: httpx.AsyncClient, world: World, kind: str, export_format: str
) -> None:
    export = PATHS[kind].export
    assert export is not None
    response = await partner.get(export, params={"format": export_format})

    key = VISIBILITY[kind].key
    assert _export_keys(response, export_format, key) == world.visible[kind]


async def test_an_area_bound_client_reads_no_audit_event_about_api_clients(
    partner: httpx.AsyncClient, world: World
) -> None:
    response = await partner.get("/v1/audit-events", params={"resource_type": "api_client"})

    assert _ids(response) == set()


async def _statistics(http: httpx.AsyncClient, path: str, **params: str) -> Json:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def test_area_statistics_count_exactly_the_visible_rows(
    partner: httpx.AsyncClient, world: World
) -> None:
    body = await _statistics(partner, f"/v1/statistics/areas/{SOFIFI}")

    assert body["programs"]["total"] == len(world.visible["program"])
    assert body["participants"]["total"]["count"] == len(world.visible["participant"])
    assert body["infrastructure_projects"]["total"] == len(world.visible["infrastructure_project"])
    assert body["consultations"]["meetings"] == len(world.visible["consultation"])


async def test_program_statistics_count_exactly_the_visible_enrollments(
    partner: httpx.AsyncClient, world: World
) -> None:
    counted = 0
    for program_id in world.visible["program"]:
        body = await _statistics(partner, f"/v1/statistics/programs/{program_id}")
        counted += body["participants"]["total"]["count"]

    assert counted == len(world.visible["enrollment"])


async def test_feedback_statistics_count_exactly_the_visible_feedback(
    partner: httpx.AsyncClient, world: World
) -> None:
    counted = 0
    subjects = [("program_id", key) for key in world.visible["program"]] + [
        ("infrastructure_project_id", key) for key in world.visible["infrastructure_project"]
    ]
    # Every review status counts here: what is at stake is which feedback the client may read.
    period = {"from": "2026-05-01", "to": "2026-05-31", "interval": "month"}
    for name, key in subjects:
        body = await _statistics(
            partner,
            "/v1/statistics/feedback",
            **{name: key, "include_unreviewed": "true"} | period,
        )
        counted += sum(period["total"]["count"] for period in body["periods"])

    assert counted == len(world.visible["feedback"])
