import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import QueryCounter
from tests.factories import create_enrollment, create_person, create_program

Json = dict[str, Any]


def _url(program: Json, enrollment: Json | None = None) -> str:
    base = f"/v1/programs/{program['id']}/enrollments"
    return base if enrollment is None else f"{base}/{enrollment['id']}"


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    response = await client.post(
        _url(program),
        json={
            "participant_id": person["id"],
            "status": "active",
            "enrolled_on": "2026-02-01",
            "baseline_monthly_income_idr": 1_200_000,
            "notes": "Ikut kelas sore.",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"].endswith(_url(program, body))
    assert body["program_id"] == program["id"]
    assert body["participant_id"] == person["id"]
    assert body["status"] == "active"
    assert body["enrolled_on"] == "2026-02-01"
    assert body["completed_on"] is None
    assert body["baseline_monthly_income_idr"] == 1_200_000
    assert body["deleted_at"] is None


async def test_created_enrollment_can_be_fetched(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])

    response = await client.get(_url(program, created))

    assert response.status_code == 200
    assert response.json() == created


async def test_completed_enrollment_may_carry_completed_on(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(
        client, program["id"], person["id"], status="completed", completed_on="2026-07-31"
    )

    assert created["completed_on"] == "2026-07-31"


async def test_completed_on_before_enrolled_on_is_422(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    response = await client.post(
        _url(program),
        json={
            "participant_id": person["id"],
            "status": "completed",
            "enrolled_on": "2026-02-01",
            "completed_on": "2026-01-31",
        },
    )

    assert _fields(response) == ["completed_on"]


async def test_completed_on_without_completed_status_is_422(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    response = await client.post(
        _url(program),
        json={
            "participant_id": person["id"],
            "status": "active",
            "enrolled_on": "2026-02-01",
            "completed_on": "2026-07-31",
        },
    )

    assert _fields(response) == ["completed_on"]


async def test_unknown_status_lists_allowed_values(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    response = await client.post(
        _url(program),
        json={"participant_id": person["id"], "status": "graduated", "enrolled_on": "2026-02-01"},
    )

    assert _fields(response) == ["status"]
    assert (
        "'enrolled', 'active', 'completed' or 'dropped'" in response.json()["errors"][0]["message"]
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("baseline_monthly_income_idr", -1),
        ("latest_monthly_income_idr", -1),
        ("latest_monthly_income_idr", 10**19),
        ("notes", "x" * 2001),
        ("enrolled_on", "2026-02-30"),
    ],
)
async def test_invalid_field_is_422(
    client: httpx.AsyncClient, program: Json, person: Json, field: str, value: Any
) -> None:
    body = {"participant_id": person["id"], "status": "enrolled", "enrolled_on": "2026-02-01"}

    response = await client.post(_url(program), json=body | {field: value})

    assert _fields(response) == [field]


async def test_invalid_income_is_not_echoed(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    body = {
        "participant_id": person["id"],
        "status": "enrolled",
        "enrolled_on": "2026-02-01",
        "latest_monthly_income_idr": -987654321,
    }

    response = await client.post(_url(program), json=body)

    assert response.status_code == 422
    assert "987654321" not in response.text


async def test_unknown_participant_is_422_naming_the_field(
    client: httpx.AsyncClient, program: Json
) -> None:
    response = await client.post(
        _url(program),
        json={
            "participant_id": str(uuid.uuid4()),
            "status": "enrolled",
            "enrolled_on": "2026-02-01",
        },
    )

    assert _fields(response) == ["participant_id"]


async def test_deleted_participant_is_422(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    assert (await client.delete(f"/v1/participants/{person['id']}")).status_code == 204

    response = await client.post(
        _url(program),
        json={"participant_id": person["id"], "status": "enrolled", "enrolled_on": "2026-02-01"},
    )

    assert _fields(response) == ["participant_id"]


async def test_second_enrollment_of_same_participant_is_409(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    await create_enrollment(client, program["id"], person["id"])

    response = await client.post(
        _url(program),
        json={"participant_id": person["id"], "status": "active", "enrolled_on": "2026-03-01"},
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_same_participant_may_enroll_in_another_program(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    other = await create_program(client, program["lead_organization_id"], title="Pertanian organik")
    await create_enrollment(client, program["id"], person["id"])

    created = await create_enrollment(client, other["id"], person["id"])

    assert created["program_id"] == other["id"]


async def test_participant_may_enroll_again_after_enrollment_is_deleted(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    first = await create_enrollment(client, program["id"], person["id"])
    await client.delete(_url(program, first))

    second = await create_enrollment(client, program["id"], person["id"])

    assert second["id"] != first["id"]


async def test_patch_changes_only_sent_fields(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(
        client, program["id"], person["id"], baseline_monthly_income_idr=1_200_000
    )

    response = await client.patch(
        _url(program, created),
        json={
            "status": "completed",
            "completed_on": "2026-07-31",
            "latest_monthly_income_idr": 2_100_000,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "completed"
    assert body["completed_on"] == "2026-07-31"
    assert body["latest_monthly_income_idr"] == 2_100_000
    assert body["baseline_monthly_income_idr"] == 1_200_000
    assert body["updated_at"] > created["updated_at"]


async def test_patch_of_participant_id_is_422(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])
    other = await create_person(client, full_name="Nurlaila Abubakar")

    response = await client.patch(_url(program, created), json={"participant_id": other["id"]})

    assert _fields(response) == ["participant_id"]


@pytest.mark.parametrize("field", ["status", "enrolled_on"])
async def test_patch_cannot_null_a_required_field(
    client: httpx.AsyncClient, program: Json, person: Json, field: str
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])

    response = await client.patch(_url(program, created), json={field: None})

    assert _fields(response) == [field]


async def test_patch_enrolled_on_after_stored_completed_on_is_422(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(
        client, program["id"], person["id"], status="completed", completed_on="2026-07-31"
    )

    response = await client.patch(_url(program, created), json={"enrolled_on": "2026-08-01"})

    assert _fields(response) == ["completed_on"]


async def test_patch_leaving_completed_status_must_clear_completed_on(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(
        client, program["id"], person["id"], status="completed", completed_on="2026-07-31"
    )

    refused = await client.patch(_url(program, created), json={"status": "active"})
    accepted = await client.patch(
        _url(program, created), json={"status": "active", "completed_on": None}
    )

    assert _fields(refused) == ["completed_on"]
    assert accepted.status_code == 200
    assert accepted.json()["completed_on"] is None


async def test_delete_answers_204_then_404(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])

    deleted = await client.delete(_url(program, created))
    fetched = await client.get(_url(program, created))

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_enrollment_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])
    await client.delete(_url(program, created))

    default = _ids(await client.get(_url(program)))
    with_deleted = (await client.get(_url(program), params={"include_deleted": True})).json()

    assert created["id"] not in default
    tombstone = next(e for e in with_deleted["data"] if e["id"] == created["id"])
    assert tombstone["deleted_at"] is not None


async def test_enrollment_changes_update_the_programs_updated_at(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])
    after_create = (await client.get(f"/v1/programs/{program['id']}")).json()
    await client.patch(_url(program, created), json={"status": "dropped"})
    after_drop = (await client.get(f"/v1/programs/{program['id']}")).json()

    assert after_create["updated_at"] > program["updated_at"]
    assert after_drop["updated_at"] > after_create["updated_at"]
    assert after_drop["enrolled_count"] == 0


async def test_unknown_enrollment_id_is_404(client: httpx.AsyncClient, program: Json) -> None:
    unknown = await client.get(f"{_url(program)}/{uuid.uuid4()}")
    malformed = await client.get(f"{_url(program)}/not-an-id")

    assert unknown.status_code == 404
    assert malformed.status_code == 404


async def test_enrollment_is_404_under_another_program(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])
    other = await create_program(client, program["lead_organization_id"], title="Pertanian organik")

    response = await client.get(_url(other, created))

    assert response.status_code == 404


@pytest.mark.parametrize("program_id", ["0195f3a9-0000-7000-8000-000000000404", "not-an-id"])
async def test_unknown_program_is_404(client: httpx.AsyncClient, program_id: str) -> None:
    response = await client.get(f"/v1/programs/{program_id}/enrollments")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_every_route_of_a_deleted_program_is_404(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    created = await create_enrollment(client, program["id"], person["id"])
    other = await create_person(client, full_name="Nurlaila Abubakar")
    assert (await client.delete(f"/v1/programs/{program['id']}")).status_code == 204
    body = {"participant_id": other["id"], "status": "enrolled", "enrolled_on": "2026-02-01"}

    responses = [
        await client.get(_url(program)),
        await client.post(_url(program), json=body),
        await client.get(_url(program, created)),
        await client.patch(_url(program, created), json={"status": "active"}),
        await client.delete(_url(program, created)),
    ]

    assert [r.status_code for r in responses] == [404] * 5


async def test_list_filters_by_status(client: httpx.AsyncClient, program: Json) -> None:
    ids = []
    for index, status in enumerate(["active", "dropped", "active"]):
        participant = await create_person(client, full_name=f"Peserta {index}")
        ids.append(
            (await create_enrollment(client, program["id"], participant["id"], status=status))["id"]
        )

    response = await client.get(_url(program), params={"status": "active"})

    assert _ids(response) == [ids[0], ids[2]]


async def test_list_filters_by_participant(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    mine = await create_enrollment(client, program["id"], person["id"])
    other = await create_person(client, full_name="Nurlaila Abubakar")
    await create_enrollment(client, program["id"], other["id"])

    response = await client.get(_url(program), params={"participant_id": person["id"]})

    assert _ids(response) == [mine["id"]]


async def test_list_shows_only_this_programs_enrollments(
    client: httpx.AsyncClient, program: Json, person: Json
) -> None:
    mine = await create_enrollment(client, program["id"], person["id"])
    other = await create_program(client, program["lead_organization_id"], title="Pertanian organik")
    await create_enrollment(client, other["id"], person["id"])

    assert _ids(await client.get(_url(program))) == [mine["id"]]


async def test_list_filters_by_updated_since(client: httpx.AsyncClient, program: Json) -> None:
    first = await create_enrollment(client, program["id"], (await create_person(client))["id"])
    second = await create_enrollment(
        client, program["id"], (await create_person(client, full_name="Nurlaila Abubakar"))["id"]
    )
    changed = await client.patch(_url(program, first), json={"status": "active"})
    since = changed.json()["updated_at"]

    response = await client.get(_url(program), params={"updated_since": since})

    assert _ids(response) == [first["id"]]
    assert second["id"] not in _ids(response)


async def test_list_pages_follow_creation_order(client: httpx.AsyncClient, program: Json) -> None:
    made = []
    for index in range(3):
        participant = await create_person(client, full_name=f"Peserta {index}")
        made.append((await create_enrollment(client, program["id"], participant["id"]))["id"])

    first = await client.get(_url(program), params={"limit": 2})
    cursor = first.json()["next_cursor"]
    second = await client.get(_url(program), params={"limit": 2, "cursor": cursor})

    assert _ids(first) == made[:2]
    assert _ids(second) == made[2:]
    assert second.json()["next_cursor"] is None


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter, program: Json
) -> None:
    for index in range(4):
        participant = await create_person(client, full_name=f"Peserta {index}")
        await create_enrollment(client, program["id"], participant["id"])

    count_queries.count = 0
    small = await client.get(_url(program), params={"limit": 2})
    small_count = count_queries.count
    count_queries.count = 0
    large = await client.get(_url(program), params={"limit": 50})
    large_count = count_queries.count

    assert len(_ids(small)) == 2
    assert len(_ids(large)) == 4
    assert small_count == large_count
