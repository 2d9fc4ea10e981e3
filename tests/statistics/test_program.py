"""Statistics of one program: participants by gender, area and status, completion, income."""

from typing import Any

import httpx

from tests.conftest import ClientFactory, QueryCounter
from tests.factories import SOFIFI, create_enrollment, create_person, create_program
from tests.statistics.conftest import (
    GURAPING,
    READ_SCOPES,
    SOASIO,
    Json,
    cells,
    enroll,
    enroll_group,
    fetch,
    suppressed,
)


def path(program: Json) -> str:
    return f"/v1/statistics/programs/{program['id']}"


async def test_participants_are_counted_by_gender(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 3)
    await enroll(client, program["id"], 2, person={"gender": "male"})
    await enroll(client, program["id"], 1, person={"gender": None})
    await enroll_group(client, program["id"])

    body = await fetch(pii_planner, path(program))

    assert body["participants"]["total"] == {"count": 7, "suppressed": False}
    assert cells(body["participants"]["by_gender"]) == {
        "female": 3,
        "male": 2,
        "not_recorded": 1,
        "group": 1,
    }


async def test_participants_are_counted_by_area_in_code_order_with_the_name(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 2)
    await enroll(client, program["id"], 1, person={"area_code": GURAPING})
    await enroll(client, program["id"], 1, person={"area_code": None})

    body = await fetch(pii_planner, path(program))

    assert body["participants"]["by_area"] == [
        {"area_code": GURAPING, "area_name": "Guraping", "count": 1, "suppressed": False},
        {"area_code": SOFIFI, "area_name": "Sofifi", "count": 2, "suppressed": False},
        {"area_code": None, "area_name": None, "count": 1, "suppressed": False},
    ]


async def test_participants_are_counted_by_enrollment_status(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 2, status="active")
    await enroll(client, program["id"], 3, status="completed", completed_on="2026-07-31")
    await enroll(client, program["id"], 1, status="dropped")

    body = await fetch(pii_planner, path(program))

    assert cells(body["participants"]["by_status"]) == {
        "enrolled": 0,
        "active": 2,
        "completed": 3,
        "dropped": 1,
    }


async def test_completion_rate_is_completed_over_every_enrollment_dropped_included(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 5, status="completed")
    await enroll(client, program["id"], 5, status="active")
    await enroll(client, program["id"], 6, status="dropped")

    body = await fetch(planner, path(program))

    assert body["completion_rate"] == {"value": 0.312, "suppressed": False}


async def test_income_change_gives_count_mean_and_median_of_those_reporting_both(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    for baseline, latest in [
        (1_000_000, 1_100_000),
        (1_000_000, 1_200_000),
        (800_000, 1_100_000),
        (500_000, 1_500_000),
        (2_000_000, 1_950_000),
    ]:
        await enroll(
            client,
            program["id"],
            1,
            baseline_monthly_income_idr=baseline,
            latest_monthly_income_idr=latest,
        )
    await enroll(client, program["id"], 2, baseline_monthly_income_idr=900_000)

    body = await fetch(planner, path(program))

    assert body["income_change"] == {
        "reported": 5,
        "mean_change_idr": 310_000,
        "median_change_idr": 200_000,
        "suppressed": False,
    }


async def test_median_income_change_of_an_even_count_is_the_mean_of_the_middle_two(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    for change in (-100_000, 100_000, 300_000, 1_000_000):
        await enroll(
            client,
            program["id"],
            1,
            baseline_monthly_income_idr=1_000_000,
            latest_monthly_income_idr=1_000_000 + change,
        )

    body = await fetch(pii_planner, path(program))

    assert body["income_change"]["median_change_idr"] == 200_000
    assert body["income_change"]["mean_change_idr"] == 325_000


async def test_income_change_is_empty_without_reports(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 2)

    body = await fetch(pii_planner, path(program))

    assert body["income_change"] == {
        "reported": 0,
        "mean_change_idr": None,
        "median_change_idr": None,
        "suppressed": False,
    }


async def test_deleted_enrollments_and_other_programs_are_not_counted(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json, lead: Json
) -> None:
    kept, deleted = await enroll(client, program["id"], 2)
    await client.delete(f"/v1/programs/{program['id']}/enrollments/{deleted['id']}")
    other = await create_program(client, lead["id"], area_codes=[SOFIFI])
    await enroll(client, other["id"], 3)

    body = await fetch(pii_planner, path(program))

    assert body["participants"]["total"]["count"] == 1
    assert kept["program_id"] == program["id"]


async def test_exact_figures_for_a_client_with_pii_say_so(
    client: httpx.AsyncClient, pii_planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 2)

    body = await fetch(pii_planner, path(program))

    assert body["suppression"] == "none"
    assert body["participants"]["total"] == {"count": 2, "suppressed": False}
    assert suppressed(body["participants"]["by_gender"]) == set()


async def test_counts_below_five_are_suppressed_without_pii(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 8)
    await enroll(client, program["id"], 2, person={"gender": "male"})
    await enroll(client, program["id"], 3, person={"gender": None})

    body = await fetch(planner, path(program))

    assert body["suppression"] == "small_counts"
    assert body["participants"]["total"] == {"count": 13, "suppressed": False}
    assert cells(body["participants"]["by_gender"]) == {
        "female": 8,
        "male": None,
        "not_recorded": None,
        "group": None,
    }
    assert suppressed(body["participants"]["by_gender"]) == {"male", "not_recorded", "group"}


async def test_a_single_small_cell_also_hides_the_next_smallest_cell(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 9)
    await enroll(client, program["id"], 6, person={"gender": "male"})
    await enroll(client, program["id"], 5, person={"gender": None})
    await enroll_group(client, program["id"])

    body = await fetch(planner, path(program))

    by_gender = body["participants"]["by_gender"]
    assert cells(by_gender) == {"female": 9, "male": 6, "not_recorded": None, "group": None}
    assert suppressed(by_gender) == {"not_recorded", "group"}


async def test_complementary_suppression_applies_to_areas_too(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 7)
    await enroll(client, program["id"], 5, person={"area_code": SOASIO})
    await enroll(client, program["id"], 1, person={"area_code": GURAPING})

    body = await fetch(planner, path(program))

    counts = {cell["area_code"]: cell["count"] for cell in body["participants"]["by_area"]}
    assert counts == {SOFIFI: 7, SOASIO: None, GURAPING: None}


async def test_a_total_below_five_suppresses_every_figure_about_people(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(
        client,
        program["id"],
        3,
        status="completed",
        baseline_monthly_income_idr=1_000_000,
        latest_monthly_income_idr=1_500_000,
    )

    body = await fetch(planner, path(program))

    assert body["participants"]["total"] == {"count": None, "suppressed": True}
    assert suppressed(body["participants"]["by_gender"]) == {
        "female",
        "male",
        "not_recorded",
        "group",
    }
    assert body["completion_rate"] == {"value": None, "suppressed": True}
    assert body["income_change"] == {
        "reported": None,
        "mean_change_idr": None,
        "median_change_idr": None,
        "suppressed": True,
    }


async def test_completion_rate_is_suppressed_when_it_would_reveal_a_small_count(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 2, status="completed")
    await enroll(client, program["id"], 8, status="active")

    body = await fetch(planner, path(program))

    assert body["participants"]["total"]["count"] == 10
    assert body["completion_rate"] == {"value": None, "suppressed": True}


async def test_income_change_of_fewer_than_five_is_suppressed(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(
        client,
        program["id"],
        4,
        baseline_monthly_income_idr=1_000_000,
        latest_monthly_income_idr=1_250_000,
    )
    await enroll(client, program["id"], 6)

    body = await fetch(planner, path(program))

    assert body["income_change"]["suppressed"] is True
    assert body["income_change"]["mean_change_idr"] is None


async def test_unknown_malformed_or_deleted_program_is_404(
    client: httpx.AsyncClient, planner: httpx.AsyncClient, program: Json
) -> None:
    await client.delete(f"/v1/programs/{program['id']}")

    for program_id in (program["id"], "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a", "not-an-id"):
        response = await planner.get(f"/v1/statistics/programs/{program_id}")
        assert response.status_code == 404, program_id
        assert response.headers["content-type"] == "application/problem+json"


async def test_program_outside_the_client_areas_is_404(
    client: httpx.AsyncClient, district_planner: httpx.AsyncClient, lead: Json
) -> None:
    elsewhere = await create_program(client, lead["id"], area_codes=[SOASIO])

    response = await district_planner.get(path(elsewhere))

    assert response.status_code == 404


async def test_restricted_client_counts_only_participants_in_its_areas(
    client: httpx.AsyncClient, district_planner: httpx.AsyncClient, program: Json
) -> None:
    await enroll(client, program["id"], 2)
    await enroll(client, program["id"], 1, person={"area_code": GURAPING})
    await enroll(client, program["id"], 4, person={"area_code": SOASIO})
    await enroll(client, program["id"], 1, person={"area_code": None})

    body = await fetch(district_planner, path(program))

    assert body["participants"]["total"]["count"] == 3
    assert [cell["area_code"] for cell in body["participants"]["by_area"]] == [
        GURAPING,
        SOFIFI,
    ]


async def test_program_statistics_need_programs_read(
    make_client: ClientFactory, program: Json
) -> None:
    partner = await make_client(*(scope for scope in READ_SCOPES if scope != "programs:read"))

    response = await partner.get(path(program))

    assert response.status_code == 403


async def _statistics_queries(
    client: httpx.AsyncClient, count_queries: QueryCounter, program: Json
) -> int:
    count_queries.count = 0
    await fetch(client, path(program))
    return count_queries.count


async def test_queries_do_not_grow_with_participants_or_areas(
    client: httpx.AsyncClient, count_queries: QueryCounter, program: Json
) -> None:
    await enroll(
        client, program["id"], 1, baseline_monthly_income_idr=1, latest_monthly_income_idr=2
    )
    few = await _statistics_queries(client, count_queries, program)
    for area_code in (GURAPING, SOASIO, None):
        await enroll(client, program["id"], 3, person={"area_code": area_code}, status="active")
    group_member: Any = await create_person(client, area_code=SOFIFI, gender="male")
    await create_enrollment(client, program["id"], group_member["id"], status="dropped")

    many = await _statistics_queries(client, count_queries, program)

    assert many == few
