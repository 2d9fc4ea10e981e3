"""Enrollments follow their program, and show only participants in the client's areas."""

from typing import Any

import httpx
import pytest

from tests.area_restriction.conftest import SOASIO, Json, all_ids, ids
from tests.conftest import QueryCounter
from tests.factories import SOFIFI, create_enrollment, create_person

Programs = dict[str, Json]


@pytest.fixture
async def people(client: httpx.AsyncClient, programs: Programs) -> dict[str, Json]:
    """Persons living in Sofifi, in Soasio and nowhere recorded."""
    return {
        "sofifi": await create_person(client, full_name="Siti Hadija", area_code=SOFIFI),
        "soasio": await create_person(client, full_name="Nurlela Hasan", area_code=SOASIO),
        "unplaced": await create_person(client, full_name="Rahma Umar"),
    }


@pytest.fixture
async def enrollments(
    client: httpx.AsyncClient, programs: Programs, people: dict[str, Json]
) -> dict[str, Json]:
    """Each person enrolled in the program that targets both Sofifi and Soasio."""
    program_id = programs["shared"]["id"]
    return {
        name: await create_enrollment(client, program_id, person["id"])
        for name, person in people.items()
    }


def _path(programs: Programs, program: str = "shared") -> str:
    return f"/v1/programs/{programs[program]['id']}/enrollments"


async def test_list_shows_only_participants_in_covered_areas(
    district_partner: httpx.AsyncClient, programs: Programs, enrollments: dict[str, Json]
) -> None:
    assert ids(await district_partner.get(_path(programs))) == [enrollments["sofifi"]["id"]]


async def test_pages_of_one_walk_exactly_the_covered_enrollments(
    district_partner: httpx.AsyncClient, programs: Programs, enrollments: dict[str, Json]
) -> None:
    assert await all_ids(district_partner, _path(programs)) == [enrollments["sofifi"]["id"]]


async def test_unrestricted_client_lists_every_enrollment(
    unrestricted_partner: httpx.AsyncClient, programs: Programs, enrollments: dict[str, Json]
) -> None:
    listed = ids(await unrestricted_partner.get(_path(programs)))

    assert listed == [enrollment["id"] for enrollment in enrollments.values()]


async def test_covered_enrollment_can_be_fetched_and_changed(
    district_partner: httpx.AsyncClient, programs: Programs, enrollments: dict[str, Json]
) -> None:
    path = f"{_path(programs)}/{enrollments['sofifi']['id']}"

    assert (await district_partner.get(path)).status_code == 200
    assert (await district_partner.patch(path, json={"status": "active"})).status_code == 200
    assert (await district_partner.delete(path)).status_code == 204


@pytest.mark.parametrize("person", ["soasio", "unplaced"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_enrollment_of_an_uncovered_participant_is_404(
    district_partner: httpx.AsyncClient,
    programs: Programs,
    enrollments: dict[str, Json],
    person: str,
    method: str,
) -> None:
    kwargs: dict[str, Any] = {"json": {"status": "active"}} if method == "PATCH" else {}

    response = await district_partner.request(
        method, f"{_path(programs)}/{enrollments[person]['id']}", **kwargs
    )

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_enrollments_of_an_uncovered_program_are_404(
    district_partner: httpx.AsyncClient, programs: Programs, people: dict[str, Json], method: str
) -> None:
    body = {
        "participant_id": people["sofifi"]["id"],
        "status": "enrolled",
        "enrolled_on": "2026-02-01",
    }
    kwargs: dict[str, Any] = {"json": body} if method == "POST" else {}

    response = await district_partner.request(method, _path(programs, "soasio"), **kwargs)

    assert response.status_code == 404


async def test_enrollment_in_an_uncovered_program_is_404_by_id(
    client: httpx.AsyncClient,
    district_partner: httpx.AsyncClient,
    programs: Programs,
    people: dict[str, Json],
) -> None:
    enrollment = await create_enrollment(client, programs["soasio"]["id"], people["sofifi"]["id"])

    response = await district_partner.get(f"{_path(programs, 'soasio')}/{enrollment['id']}")

    assert response.status_code == 404


async def test_enrolling_a_covered_participant_is_201(
    district_partner: httpx.AsyncClient, programs: Programs, people: dict[str, Json]
) -> None:
    created = await create_enrollment(
        district_partner, programs["sofifi"]["id"], people["sofifi"]["id"]
    )

    assert created["participant_id"] == people["sofifi"]["id"]


@pytest.mark.parametrize("person", ["soasio", "unplaced"])
async def test_enrolling_an_uncovered_participant_is_422_unknown_participant(
    district_partner: httpx.AsyncClient, programs: Programs, people: dict[str, Json], person: str
) -> None:
    response = await district_partner.post(
        _path(programs, "sofifi"),
        json={
            "participant_id": people[person]["id"],
            "status": "enrolled",
            "enrolled_on": "2026-02-01",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "body",
            "field": "participant_id",
            "message": "No live participant has this id.",
            "code": "unknown_reference",
        }
    ]


async def test_enrolling_an_uncovered_participant_twice_is_still_422_not_409(
    district_partner: httpx.AsyncClient, programs: Programs, enrollments: dict[str, Json]
) -> None:
    response = await district_partner.post(
        _path(programs),
        json={
            "participant_id": enrollments["soasio"]["participant_id"],
            "status": "enrolled",
            "enrolled_on": "2026-02-01",
        },
    )

    assert response.status_code == 422


async def test_restricted_list_issues_the_same_queries_for_any_page_size(
    client: httpx.AsyncClient,
    district_partner: httpx.AsyncClient,
    programs: Programs,
    count_queries: QueryCounter,
) -> None:
    for index in range(4):
        person = await create_person(client, full_name=f"Peserta {index}", area_code=SOFIFI)
        await create_enrollment(client, programs["shared"]["id"], person["id"])

    # Authenticated once before counting: both requests below find the credential held.
    await district_partner.get(f"{_path(programs)}?limit=2")
    count_queries.count = 0
    small = await district_partner.get(f"{_path(programs)}?limit=2")
    small_count = count_queries.count
    count_queries.count = 0
    large = await district_partner.get(f"{_path(programs)}?limit=50")
    large_count = count_queries.count

    assert len(ids(small)) == 2
    assert len(ids(large)) == 4
    assert small_count == large_count
