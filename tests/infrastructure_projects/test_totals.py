"""A project's derived community totals, and what deleting a project does to its children."""

from typing import Any

import httpx

from tests.conftest import QueryCounter
from tests.factories import (
    SOFIFI,
    create_consultation,
    create_contribution,
    create_organization,
    create_project,
)

PROJECTS = "/v1/infrastructure-projects"


async def fetch(client: httpx.AsyncClient, project: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{PROJECTS}/{project['id']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_community_person_days_sum_live_labor_contributions(
    client: httpx.AsyncClient,
) -> None:
    project = await create_project(client)
    await create_contribution(client, project["id"], person_days=12.5)
    await create_contribution(client, project["id"], person_days=30)
    dropped = await create_contribution(client, project["id"], person_days=100)
    await create_contribution(
        client, project["id"], kind="materials", person_days=None, value_idr=4_000_000
    )
    await client.delete(f"{PROJECTS}/{project['id']}/contributions/{dropped['id']}")

    body = await fetch(client, project)

    assert body["community_person_days"] == 42.5


async def test_contribution_value_sums_every_kind(client: httpx.AsyncClient) -> None:
    project = await create_project(client)
    await create_contribution(client, project["id"], person_days=10, value_idr=1_500_000)
    await create_contribution(
        client, project["id"], kind="materials", person_days=None, value_idr=4_000_000
    )
    await create_contribution(
        client, project["id"], kind="cash", person_days=None, value_idr=2_500_000
    )
    await create_contribution(client, project["id"], kind="land", person_days=None)

    body = await fetch(client, project)

    assert body["community_contribution_value_idr"] == 8_000_000


async def test_consultation_count_and_women_share(client: httpx.AsyncClient) -> None:
    project = await create_project(client)
    await create_consultation(client, project["id"], participants_count=40, women_count=18)
    await create_consultation(client, project["id"], participants_count=60, women_count=27)

    body = await fetch(client, project)

    assert body["consultations_count"] == 2
    assert body["women_share_in_consultations"] == 0.45


async def test_totals_count_only_the_project_own_children(client: httpx.AsyncClient) -> None:
    project = await create_project(client)
    other = await create_project(client, title="Jembatan Oba")
    await create_contribution(client, other["id"], person_days=8)
    await create_consultation(client, other["id"])

    body = await fetch(client, project)

    assert body["community_person_days"] == 0
    assert body["consultations_count"] == 0


async def test_list_shows_each_project_its_own_totals(client: httpx.AsyncClient) -> None:
    first = await create_project(client, title="Jalan A")
    second = await create_project(client, title="Jalan B")
    await create_contribution(client, first["id"], person_days=5)
    await create_contribution(client, second["id"], person_days=7)
    await create_consultation(client, second["id"])

    data = (await client.get(PROJECTS)).json()["data"]

    totals = {p["id"]: (p["community_person_days"], p["consultations_count"]) for p in data}
    assert totals == {first["id"]: (5, 0), second["id"]: (7, 1)}


async def test_new_contribution_marks_the_project_updated(client: httpx.AsyncClient) -> None:
    project = await create_project(client)
    await create_contribution(client, project["id"])

    data = (await client.get(PROJECTS, params={"updated_since": project["updated_at"]})).json()[
        "data"
    ]

    assert [p["id"] for p in data] == [project["id"]]
    assert data[0]["updated_at"] > project["updated_at"]


async def test_delete_tombstones_consultations_and_contributions(
    client: httpx.AsyncClient,
) -> None:
    project = await create_project(client)
    consultation = await create_consultation(client, project["id"])
    contribution = await create_contribution(client, project["id"])

    assert (await client.delete(f"{PROJECTS}/{project['id']}")).status_code == 204

    tombstones = (await client.get(PROJECTS, params={"include_deleted": "true"})).json()["data"]
    assert tombstones[0]["deleted_at"] is not None
    assert tombstones[0]["consultations_count"] == 0
    assert tombstones[0]["community_person_days"] == 0
    consultation_url = f"{PROJECTS}/{project['id']}/consultations/{consultation['id']}"
    contribution_url = f"{PROJECTS}/{project['id']}/contributions/{contribution['id']}"
    assert (await client.get(consultation_url)).status_code == 404
    assert (await client.get(contribution_url)).status_code == 404


async def test_delete_leaves_other_projects_children_alone(client: httpx.AsyncClient) -> None:
    doomed = await create_project(client)
    kept = await create_project(client, title="Jembatan Oba")
    await create_consultation(client, doomed["id"])
    await create_contribution(client, kept["id"], person_days=9)

    await client.delete(f"{PROJECTS}/{doomed['id']}")

    body = await fetch(client, kept)
    assert body["community_person_days"] == 9


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter, reference_areas: None
) -> None:
    contractor = await create_organization(client, name="Dinas PUPR Provinsi Maluku Utara")
    for n in range(4):
        project = await create_project(
            client,
            title=f"Proyek {n}",
            area_codes=[SOFIFI],
            implementing_organization_id=contractor["id"],
        )
        await create_consultation(client, project["id"])
        await create_contribution(client, project["id"], person_days=n + 1)
        await create_contribution(
            client, project["id"], kind="cash", person_days=None, value_idr=1_000_000
        )

    count_queries.count = 0
    small = await client.get(PROJECTS, params={"limit": 2})
    small_count = count_queries.count
    count_queries.count = 0
    large = await client.get(PROJECTS, params={"limit": 50})
    large_count = count_queries.count

    assert len(small.json()["data"]) == 2
    assert len(large.json()["data"]) == 4
    assert small_count == large_count
