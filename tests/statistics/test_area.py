"""Statistics of an area and everything below it: programs, participants, projects, meetings."""

import httpx

from tests.conftest import ClientFactory, QueryCounter
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_consultation,
    create_person,
    create_program,
    create_project,
)
from tests.statistics.conftest import (
    GURAPING,
    READ_SCOPES,
    SOASIO,
    TIDORE,
    Json,
    cells,
    enroll_group,
    fetch,
    suppressed,
)

DISTRICT = f"/v1/statistics/areas/{OBA_UTARA}"


def counts(breakdown: list[Json]) -> dict[str, int]:
    """The non-zero cells of a breakdown of things."""
    return {cell["key"]: cell["count"] for cell in breakdown if cell["count"]}


async def test_area_is_described_with_its_level(
    planner: httpx.AsyncClient,
) -> None:
    body = await fetch(planner, DISTRICT)

    assert body["area"] == {"code": OBA_UTARA, "name": "Oba Utara", "level": "district"}


async def test_programs_targeting_the_area_or_below_are_counted_by_status_and_category(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, lead: Json
) -> None:
    await create_program(client, lead["id"], area_codes=[SOFIFI])
    await create_program(client, lead["id"], area_codes=[GURAPING, SOASIO], category="health")
    await create_program(client, lead["id"], area_codes=[OBA_UTARA], status="completed")
    await create_program(client, lead["id"], area_codes=[SOASIO])
    await create_program(client, lead["id"], area_codes=["82.72"])
    deleted = await create_program(client, lead["id"], area_codes=[SOFIFI])
    await client.delete(f"/v1/programs/{deleted['id']}")

    body = await fetch(planner, DISTRICT)

    programs = body["programs"]
    assert programs["total"] == 3
    assert counts(programs["by_status"]) == {"active": 2, "completed": 1}
    assert counts(programs["by_category"]) == {"education_skills": 2, "health": 1}
    assert [cell["key"] for cell in programs["by_status"]] == [
        "planned",
        "active",
        "completed",
        "cancelled",
    ]


async def test_participants_living_in_the_area_or_below_are_counted_by_gender(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    await create_person(client, area_code=SOFIFI)
    await create_person(client, area_code=GURAPING, gender="male")
    await create_person(client, area_code=OBA_UTARA, gender=None)
    await create_person(client, area_code=SOASIO)
    await create_person(client, area_code=None)
    await enroll_group(client, program["id"], area_code=GURAPING)
    gone = await create_person(client, area_code=SOFIFI)
    await client.delete(f"/v1/participants/{gone['id']}")

    body = await fetch(pii_planner, DISTRICT)

    assert body["participants"]["total"] == {"count": 4, "suppressed": False}
    assert cells(body["participants"]["by_gender"]) == {
        "female": 1,
        "male": 1,
        "not_recorded": 1,
        "group": 1,
    }


async def test_projects_serving_the_area_are_counted_by_status_with_budget_totals(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, areas: None
) -> None:
    await create_project(client, area_codes=[SOFIFI], budget_idr=1_000_000_000)
    await create_project(client, area_codes=[GURAPING, SOASIO], budget_idr=250_000_000)
    await create_project(client, area_codes=[SOFIFI], status="implementation")
    await create_project(client, area_codes=[SOASIO], budget_idr=9_000_000_000)

    body = await fetch(planner, DISTRICT)

    projects = body["infrastructure_projects"]
    assert projects["total"] == 3
    assert projects["budget_idr"] == 1_250_000_000
    assert {cell["key"]: (cell["count"], cell["budget_idr"]) for cell in projects["by_status"]} == {
        "identification": (0, 0),
        "preparation": (2, 1_250_000_000),
        "implementation": (1, 0),
        "completion": (0, 0),
        "cancelled": (0, 0),
    }


async def test_consultations_give_meetings_attendances_and_women_share(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, areas: None
) -> None:
    road = await create_project(client, area_codes=[SOFIFI])
    bridge = await create_project(client, area_codes=[GURAPING])
    elsewhere = await create_project(client, area_codes=[SOASIO])
    await create_consultation(client, road["id"], participants_count=40, women_count=18)
    await create_consultation(client, bridge["id"], participants_count=20, women_count=9)
    await create_consultation(client, elsewhere["id"], participants_count=100, women_count=0)
    cancelled = await create_consultation(client, road["id"], participants_count=7, women_count=3)
    await client.delete(f"/v1/infrastructure-projects/{road['id']}/consultations/{cancelled['id']}")

    body = await fetch(planner, DISTRICT)

    assert body["consultations"] == {
        "meetings": 2,
        "attendances": {"count": 60, "suppressed": False},
        "by_gender": [
            {"key": "female", "count": 27, "suppressed": False},
            {"key": "male", "count": 33, "suppressed": False},
        ],
        "women_share": {"value": 0.45, "suppressed": False},
    }


async def test_few_men_at_meetings_hide_the_women_count_and_share(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, areas: None
) -> None:
    road = await create_project(client, area_codes=[SOFIFI])
    await create_consultation(client, road["id"], participants_count=30, women_count=27)

    body = await fetch(planner, DISTRICT)

    consultations = body["consultations"]
    assert consultations["attendances"] == {"count": 30, "suppressed": False}
    assert suppressed(consultations["by_gender"]) == {"female", "male"}
    assert consultations["women_share"] == {"value": None, "suppressed": True}


async def test_area_counts_of_people_below_five_are_suppressed_without_pii(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, areas: None
) -> None:
    for _ in range(3):
        await create_person(client, area_code=GURAPING)

    body = await fetch(planner, f"/v1/statistics/areas/{GURAPING}")

    assert body["suppression"] == "small_counts"
    assert body["participants"]["total"] == {"count": None, "suppressed": True}
    assert cells(body["participants"]["by_gender"])["female"] is None


async def test_pii_client_sees_exact_area_counts(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, areas: None
) -> None:
    for _ in range(3):
        await create_person(client, area_code=GURAPING)

    body = await fetch(pii_planner, f"/v1/statistics/areas/{GURAPING}")

    assert body["suppression"] == "none"
    assert body["participants"]["total"] == {"count": 3, "suppressed": False}


async def test_unknown_or_deleted_area_is_404(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, areas: None
) -> None:
    await client.delete(f"/v1/areas/{GURAPING}")

    for code in (GURAPING, "99.99"):
        response = await planner.get(f"/v1/statistics/areas/{code}")
        assert response.status_code == 404, code


async def test_area_outside_or_above_the_client_areas_is_404(
    district_planner: httpx.AsyncClient,
) -> None:
    for code in (TIDORE, SOASIO, "82.72", "82"):
        response = await district_planner.get(f"/v1/statistics/areas/{code}")
        assert response.status_code == 404, code


async def test_restricted_client_gets_statistics_of_an_area_within_its_own(
    client: httpx.AsyncClient, district_planner: httpx.AsyncClient, lead: Json
) -> None:
    await create_program(client, lead["id"], area_codes=[SOFIFI, SOASIO])
    await create_program(client, lead["id"], area_codes=[SOASIO])

    body = await fetch(district_planner, f"/v1/statistics/areas/{SOFIFI}")

    assert body["programs"]["total"] == 1


async def test_area_statistics_need_areas_read(make_client: ClientFactory, areas: None) -> None:
    partner = await make_client(*(scope for scope in READ_SCOPES if scope != "areas:read"))

    response = await partner.get(DISTRICT)

    assert response.status_code == 403


async def test_queries_do_not_grow_with_rows_in_the_area(
    client: httpx.AsyncClient, count_queries: QueryCounter, lead: Json
) -> None:
    count_queries.count = 0
    await fetch(client, DISTRICT)
    empty = count_queries.count
    for code in (SOFIFI, GURAPING):
        await create_program(client, lead["id"], area_codes=[code])
        await create_person(client, area_code=code)
        project = await create_project(client, area_codes=[code], budget_idr=1_000)
        await create_consultation(client, project["id"])

    count_queries.count = 0
    await fetch(client, DISTRICT)

    assert count_queries.count == empty
