"""Infrastructure projects, with their consultations and contributions, limited to the
client's areas."""

from typing import Any

import httpx
import pytest

from tests.area_restriction.conftest import (
    GURAPING,
    SOASIO,
    VISIBLE,
    Json,
    all_ids,
    assert_fields_out_of_scope,
    assert_out_of_scope,
    ids,
)
from tests.conftest import QueryCounter
from tests.factories import SOFIFI, create_consultation, create_contribution, create_project

Projects = dict[str, Json]
HIDDEN = ["soasio", "ternate", "nowhere"]
PROJECTS = "/v1/infrastructure-projects"
CHILD_BODIES = {
    "consultations": {"held_on": "2026-03-10", "participants_count": 40, "women_count": 18},
    "contributions": {"kind": "labor", "person_days": 12.5, "contributed_on": "2026-04-02"},
}
CHILD_CHANGES = {
    "consultations": {"held_on": "2026-03-11"},
    "contributions": {"contributed_on": "2026-04-03"},
}


def _ids_of(projects: Projects, names: list[str]) -> list[str]:
    return [projects[name]["id"] for name in names]


async def test_list_shows_only_projects_serving_a_covered_area(
    district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    assert ids(await district_partner.get(PROJECTS)) == _ids_of(projects, VISIBLE)


async def test_pages_of_one_walk_exactly_the_covered_projects(
    district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    assert await all_ids(district_partner, PROJECTS) == _ids_of(projects, VISIBLE)


async def test_unrestricted_client_lists_every_project(
    unrestricted_partner: httpx.AsyncClient, projects: Projects
) -> None:
    listed = ids(await unrestricted_partner.get(PROJECTS))

    assert listed == [project["id"] for project in projects.values()]


@pytest.mark.parametrize("name", HIDDEN)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_uncovered_project_is_404_as_if_missing(
    district_partner: httpx.AsyncClient, projects: Projects, name: str, method: str
) -> None:
    project_id = projects[name]["id"]
    kwargs: dict[str, Any] = {"json": {"progress_percent": 50}} if method == "PATCH" else {}

    response = await district_partner.request(method, f"{PROJECTS}/{project_id}", **kwargs)

    assert response.status_code == 404
    assert response.json()["detail"] == f"No infrastructure project with id {project_id}."


@pytest.mark.parametrize("child", ["consultations", "contributions"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_children_of_an_uncovered_project_are_404(
    district_partner: httpx.AsyncClient, projects: Projects, child: str, method: str
) -> None:
    kwargs: dict[str, Any] = {"json": CHILD_BODIES[child]} if method == "POST" else {}

    response = await district_partner.request(
        method, f"{PROJECTS}/{projects['soasio']['id']}/{child}", **kwargs
    )

    assert response.status_code == 404


@pytest.mark.parametrize("child", ["consultations", "contributions"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_child_of_an_uncovered_project_is_404_by_id(
    client: httpx.AsyncClient,
    district_partner: httpx.AsyncClient,
    projects: Projects,
    child: str,
    method: str,
) -> None:
    project_id = projects["soasio"]["id"]
    created = await client.post(f"{PROJECTS}/{project_id}/{child}", json=CHILD_BODIES[child])
    assert created.status_code == 201
    kwargs: dict[str, Any] = {"json": CHILD_CHANGES[child]} if method == "PATCH" else {}

    response = await district_partner.request(
        method, f"{PROJECTS}/{project_id}/{child}/{created.json()['id']}", **kwargs
    )

    assert response.status_code == 404


async def test_children_of_a_covered_project_can_be_written_and_read(
    district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    project_id = projects["shared"]["id"]
    consultation = await create_consultation(district_partner, project_id)
    contribution = await create_contribution(district_partner, project_id)

    consultations = ids(await district_partner.get(f"{PROJECTS}/{project_id}/consultations"))
    contributions = ids(await district_partner.get(f"{PROJECTS}/{project_id}/contributions"))

    assert consultations == [consultation["id"]]
    assert contributions == [contribution["id"]]


async def test_create_in_covered_areas_is_201(district_partner: httpx.AsyncClient) -> None:
    created = await create_project(district_partner, area_codes=[GURAPING])

    assert (await district_partner.get(f"{PROJECTS}/{created['id']}")).status_code == 200


async def test_create_naming_an_uncovered_area_is_403_naming_the_field(
    district_partner: httpx.AsyncClient, areas: None
) -> None:
    response = await district_partner.post(
        PROJECTS,
        json={
            "title": "Jembatan Soasio",
            "project_type": "bridge",
            "status": "identification",
            "area_codes": [SOASIO],
        },
    )

    assert_fields_out_of_scope(response, "area_codes.0")
    assert SOASIO not in response.text


async def test_create_without_areas_is_403_for_a_restricted_client(
    district_partner: httpx.AsyncClient, areas: None
) -> None:
    response = await district_partner.post(
        PROJECTS,
        json={"title": "Jembatan", "project_type": "bridge", "status": "identification"},
    )

    assert_fields_out_of_scope(response, "area_codes")


async def test_patch_of_a_covered_project_is_200(
    district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    response = await district_partner.patch(
        f"{PROJECTS}/{projects['sofifi']['id']}",
        json={"progress_percent": 40, "area_codes": [SOFIFI, GURAPING]},
    )

    assert response.status_code == 200
    assert response.json()["area_codes"] == [GURAPING, SOFIFI]


async def test_patch_adding_an_uncovered_area_is_403_naming_the_field(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    project_id = projects["sofifi"]["id"]

    response = await district_partner.patch(
        f"{PROJECTS}/{project_id}", json={"area_codes": [SOASIO, SOFIFI]}
    )

    assert_fields_out_of_scope(response, "area_codes.0")
    assert (await client.get(f"{PROJECTS}/{project_id}")).json()["area_codes"] == [SOFIFI]


async def test_patch_of_a_project_also_in_an_uncovered_area_is_403_naming_it(
    district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    response = await district_partner.patch(
        f"{PROJECTS}/{projects['shared']['id']}", json={"progress_percent": 40}
    )

    assert_out_of_scope(response, SOASIO)


async def test_delete_of_a_project_also_in_an_uncovered_area_is_403(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    project_id = projects["shared"]["id"]

    assert_out_of_scope(await district_partner.delete(f"{PROJECTS}/{project_id}"), SOASIO)
    assert (await client.get(f"{PROJECTS}/{project_id}")).status_code == 200


async def test_delete_of_a_covered_project_is_204(
    district_partner: httpx.AsyncClient, projects: Projects
) -> None:
    project_id = projects["sofifi"]["id"]

    assert (await district_partner.delete(f"{PROJECTS}/{project_id}")).status_code == 204
    assert (await district_partner.get(f"{PROJECTS}/{project_id}")).status_code == 404


async def test_restricted_list_issues_the_same_queries_for_any_page_size(
    client: httpx.AsyncClient,
    district_partner: httpx.AsyncClient,
    projects: Projects,
    count_queries: QueryCounter,
) -> None:
    for name in VISIBLE:
        await create_consultation(client, projects[name]["id"])
        await create_contribution(client, projects[name]["id"])

    # Authenticated once before counting: both requests below find the credential held.
    await district_partner.get(f"{PROJECTS}?limit=2")
    count_queries.count = 0
    small = await district_partner.get(f"{PROJECTS}?limit=2")
    small_count = count_queries.count
    count_queries.count = 0
    large = await district_partner.get(f"{PROJECTS}?limit=50")
    large_count = count_queries.count

    assert len(ids(small)) == 2
    assert len(ids(large)) == 3
    assert small_count == large_count
