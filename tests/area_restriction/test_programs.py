"""Programs: a client bound to areas sees and writes only programs in them."""

from typing import Any

import httpx
import pytest

from tests.area_restriction.conftest import (
    GURAPING,
    SOASIO,
    TERNATE,
    VISIBLE,
    Json,
    all_ids,
    assert_fields_out_of_scope,
    assert_out_of_scope,
    ids,
)
from tests.conftest import ClientFactory, QueryCounter
from tests.factories import SOFIFI, create_program

Programs = dict[str, Json]
HIDDEN = ["soasio", "ternate", "nowhere"]


def _ids_of(programs: Programs, names: list[str]) -> list[str]:
    return [programs[name]["id"] for name in names]


async def test_list_shows_only_programs_targeting_a_covered_area(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    listed = ids(await district_partner.get("/v1/programs"))

    assert listed == _ids_of(programs, VISIBLE)


async def test_unrestricted_client_lists_every_program(
    unrestricted_partner: httpx.AsyncClient, programs: Programs
) -> None:
    listed = ids(await unrestricted_partner.get("/v1/programs"))

    assert listed == [program["id"] for program in programs.values()]


async def test_pages_of_one_walk_exactly_the_covered_programs(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    assert await all_ids(district_partner, "/v1/programs") == _ids_of(programs, VISIBLE)


async def test_area_filter_on_an_uncovered_area_lists_nothing(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    assert ids(await district_partner.get("/v1/programs", params={"area_code": SOASIO})) == [
        programs["shared"]["id"]
    ]
    assert ids(await district_partner.get("/v1/programs", params={"area_code": TERNATE})) == []


async def test_tombstones_of_uncovered_programs_are_not_listed(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    assert (await client.delete(f"/v1/programs/{programs['soasio']['id']}")).status_code == 204

    listed = ids(await district_partner.get("/v1/programs", params={"include_deleted": "true"}))

    assert programs["soasio"]["id"] not in listed


@pytest.mark.parametrize("name", VISIBLE)
async def test_covered_program_can_be_fetched(
    district_partner: httpx.AsyncClient, programs: Programs, name: str
) -> None:
    response = await district_partner.get(f"/v1/programs/{programs[name]['id']}")

    assert response.status_code == 200
    assert response.json()["area_codes"] == programs[name]["area_codes"]


@pytest.mark.parametrize("name", HIDDEN)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_uncovered_program_is_404_as_if_missing(
    district_partner: httpx.AsyncClient, programs: Programs, name: str, method: str
) -> None:
    program_id = programs[name]["id"]
    kwargs: dict[str, Any] = {"json": {"title": "Diubah"}} if method == "PATCH" else {}

    response = await district_partner.request(method, f"/v1/programs/{program_id}", **kwargs)

    assert response.status_code == 404
    assert response.json()["detail"] == f"No program with id {program_id}."


async def test_uncovered_program_is_left_unchanged_by_a_refused_write(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    program_id = programs["soasio"]["id"]
    await district_partner.patch(f"/v1/programs/{program_id}", json={"title": "Diubah"})
    await district_partner.delete(f"/v1/programs/{program_id}")

    response = await client.get(f"/v1/programs/{program_id}")

    assert response.status_code == 200
    assert response.json()["title"] == "Program soasio"


async def test_create_in_covered_areas_is_201(
    district_partner: httpx.AsyncClient, lead: Json
) -> None:
    created = await create_program(district_partner, lead["id"], area_codes=[SOFIFI, GURAPING])

    response = await district_partner.get(f"/v1/programs/{created['id']}")
    assert response.status_code == 200


async def test_create_naming_an_uncovered_area_is_403_naming_the_field(
    district_partner: httpx.AsyncClient, lead: Json
) -> None:
    response = await district_partner.post(
        "/v1/programs",
        json={
            "title": "Pelatihan pertanian organik",
            "category": "economic",
            "status": "planned",
            "lead_organization_id": lead["id"],
            "area_codes": [SOFIFI, SOASIO],
        },
    )

    assert_fields_out_of_scope(response, "area_codes.1")
    assert SOASIO not in response.text


async def test_create_without_areas_is_403_for_a_restricted_client(
    district_partner: httpx.AsyncClient, lead: Json
) -> None:
    response = await district_partner.post(
        "/v1/programs",
        json={
            "title": "Pelatihan pertanian organik",
            "category": "economic",
            "status": "planned",
            "lead_organization_id": lead["id"],
        },
    )

    assert_fields_out_of_scope(response, "area_codes")


async def test_refused_create_stores_nothing(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, lead: Json
) -> None:
    await district_partner.post(
        "/v1/programs",
        json={
            "title": "Program di Soasio",
            "category": "economic",
            "status": "planned",
            "lead_organization_id": lead["id"],
            "area_codes": [SOASIO],
        },
    )

    assert ids(await client.get("/v1/programs", params={"q": "Soasio"})) == []


async def test_unrestricted_client_may_create_a_program_without_areas(
    unrestricted_partner: httpx.AsyncClient, lead: Json
) -> None:
    created = await create_program(unrestricted_partner, lead["id"], area_codes=[])

    assert created["area_codes"] == []


async def test_patch_of_a_covered_program_is_200(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    response = await district_partner.patch(
        f"/v1/programs/{programs['sofifi']['id']}",
        json={"title": "Diubah", "area_codes": [SOFIFI, GURAPING]},
    )

    assert response.status_code == 200
    assert response.json()["area_codes"] == [GURAPING, SOFIFI]


async def test_patch_adding_an_uncovered_area_is_403_naming_the_field(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    program_id = programs["sofifi"]["id"]

    response = await district_partner.patch(
        f"/v1/programs/{program_id}", json={"area_codes": [SOFIFI, SOASIO]}
    )

    assert_fields_out_of_scope(response, "area_codes.1")
    assert (await client.get(f"/v1/programs/{program_id}")).json()["area_codes"] == [SOFIFI]


async def test_patch_removing_every_area_is_403(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    response = await district_partner.patch(
        f"/v1/programs/{programs['sofifi']['id']}", json={"area_codes": []}
    )

    assert_fields_out_of_scope(response, "area_codes")


async def test_patch_of_a_program_also_in_an_uncovered_area_is_403_naming_it(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    response = await district_partner.patch(
        f"/v1/programs/{programs['shared']['id']}", json={"title": "Diubah"}
    )

    assert_out_of_scope(response, SOASIO)


async def test_delete_of_a_program_also_in_an_uncovered_area_is_403(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    program_id = programs["shared"]["id"]

    response = await district_partner.delete(f"/v1/programs/{program_id}")

    assert_out_of_scope(response, SOASIO)
    assert (await client.get(f"/v1/programs/{program_id}")).status_code == 200


async def test_delete_of_a_covered_program_is_204(
    district_partner: httpx.AsyncClient, programs: Programs
) -> None:
    program_id = programs["guraping"]["id"]

    assert (await district_partner.delete(f"/v1/programs/{program_id}")).status_code == 204
    assert (await district_partner.get(f"/v1/programs/{program_id}")).status_code == 404


async def test_unrestricted_client_may_change_a_program_in_any_area(
    unrestricted_partner: httpx.AsyncClient, programs: Programs
) -> None:
    response = await unrestricted_partner.patch(
        f"/v1/programs/{programs['shared']['id']}", json={"area_codes": [SOASIO, TERNATE]}
    )

    assert response.status_code == 200


async def test_client_bound_to_a_village_sees_only_programs_there(
    make_client: ClientFactory, programs: Programs
) -> None:
    partner = await make_client("programs:read", area_codes=[GURAPING])

    assert ids(await partner.get("/v1/programs")) == [programs["guraping"]["id"]]


async def test_restricted_list_issues_the_same_queries_for_any_page_size(
    district_partner: httpx.AsyncClient, programs: Programs, count_queries: QueryCounter
) -> None:
    # Authenticated once before counting: both requests below find the credential held.
    await district_partner.get("/v1/programs?limit=2")
    count_queries.count = 0
    small = await district_partner.get("/v1/programs?limit=2")
    small_count = count_queries.count
    count_queries.count = 0
    large = await district_partner.get("/v1/programs?limit=50")
    large_count = count_queries.count

    assert len(ids(small)) == 2
    assert len(ids(large)) == 3
    assert small_count == large_count
