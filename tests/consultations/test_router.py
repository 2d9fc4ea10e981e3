import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import QueryCounter
from tests.factories import create_consultation, create_project


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    body = {
        "held_on": "2026-03-10",
        "location_name": "Balai Desa Sofifi",
        "participants_count": 40,
        "women_count": 18,
        "summary": "Musyawarah perencanaan jalan usaha tani.",
        "decisions": ["Lebar jalan 3 meter.", "Kerja bakti setiap Sabtu."],
    }

    response = await client.post(consultations_url, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"].endswith(f"{consultations_url}/{created['id']}")
    assert {key: created[key] for key in body} == body
    assert created["project_id"] == project["id"]
    assert created["deleted_at"] is None


async def test_created_consultation_can_be_fetched(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    created = await create_consultation(client, project["id"])

    response = await client.get(f"{consultations_url}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_women_count_defaults_to_zero_and_decisions_to_empty(
    client: httpx.AsyncClient, consultations_url: str
) -> None:
    response = await client.post(
        consultations_url, json={"held_on": "2026-03-10", "participants_count": 12}
    )

    assert response.status_code == 201
    assert response.json()["women_count"] == 0
    assert response.json()["decisions"] == []


async def test_patch_changes_only_sent_fields(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    created = await create_consultation(client, project["id"], location_name="Balai Desa")

    response = await client.patch(
        f"{consultations_url}/{created['id']}", json={"decisions": ["Mulai bulan April."]}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["decisions"] == ["Mulai bulan April."]
    assert body["location_name"] == "Balai Desa"
    assert body["updated_at"] > created["updated_at"]


@pytest.mark.parametrize("field", ["held_on", "participants_count", "women_count", "decisions"])
async def test_patch_cannot_null_a_required_field(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str, field: str
) -> None:
    created = await create_consultation(client, project["id"])

    response = await client.patch(f"{consultations_url}/{created['id']}", json={field: None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_more_women_than_participants_is_422_naming_women_count(
    client: httpx.AsyncClient, consultations_url: str
) -> None:
    response = await client.post(
        consultations_url,
        json={"held_on": "2026-03-10", "participants_count": 10, "women_count": 11},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "women_count"


async def test_patch_lowering_participants_below_women_is_422_naming_women_count(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    created = await create_consultation(
        client, project["id"], participants_count=40, women_count=18
    )

    response = await client.patch(
        f"{consultations_url}/{created['id']}", json={"participants_count": 17}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "women_count"
    unchanged = (await client.get(f"{consultations_url}/{created['id']}")).json()
    assert unchanged["participants_count"] == 40


async def test_patch_raising_both_counts_together_is_accepted(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    created = await create_consultation(client, project["id"], participants_count=10, women_count=4)

    response = await client.patch(
        f"{consultations_url}/{created['id']}",
        json={"participants_count": 30, "women_count": 25},
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("participants_count", -1),
        ("participants_count", 2**31),
        ("women_count", -1),
        ("held_on", "10-03-2026"),
        ("held_on", "2026-03-10T00:00:00"),
        ("participants_count", True),
        ("location_name", "x" * 201),
        ("decisions", ["x" * 1001]),
        ("decisions", "Lebar jalan 3 meter."),
    ],
)
async def test_bad_value_is_422_naming_the_field(
    client: httpx.AsyncClient, consultations_url: str, field: str, value: Any
) -> None:
    body = {"held_on": "2026-03-10", "participants_count": 40} | {field: value}

    response = await client.post(consultations_url, json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith(field)


async def test_missing_held_on_is_422(client: httpx.AsyncClient, consultations_url: str) -> None:
    response = await client.post(consultations_url, json={"participants_count": 40})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "held_on"


async def test_unknown_field_is_rejected(client: httpx.AsyncClient, consultations_url: str) -> None:
    response = await client.post(
        consultations_url,
        json={"held_on": "2026-03-10", "participants_count": 40, "men_count": 22},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "men_count"


async def test_delete_answers_204_then_404(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    created = await create_consultation(client, project["id"])

    deleted = await client.delete(f"{consultations_url}/{created['id']}")
    fetched = await client.get(f"{consultations_url}/{created['id']}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_consultation_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    created = await create_consultation(client, project["id"])
    await client.delete(f"{consultations_url}/{created['id']}")

    default = (await client.get(consultations_url)).json()["data"]
    with_deleted = (await client.get(consultations_url, params={"include_deleted": "true"})).json()[
        "data"
    ]

    assert default == []
    assert [c["id"] for c in with_deleted] == [created["id"]]
    assert with_deleted[0]["deleted_at"] is not None


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_project_answers_404_on_the_collection(
    client: httpx.AsyncClient, method: str
) -> None:
    url = f"/v1/infrastructure-projects/{uuid.uuid4()}/consultations"

    response = await client.request(
        method, url, json={"held_on": "2026-03-10", "participants_count": 4}
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_deleted_project_answers_404_on_its_consultations(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str, method: str
) -> None:
    created = await create_consultation(client, project["id"])
    await client.delete(f"/v1/infrastructure-projects/{project['id']}")

    response = await client.request(
        method, f"{consultations_url}/{created['id']}", json={"summary": "x"}
    )
    listed = await client.get(consultations_url)

    assert response.status_code == 404
    assert listed.status_code == 404


async def test_consultation_is_not_found_under_another_project(
    client: httpx.AsyncClient, project: dict[str, Any]
) -> None:
    created = await create_consultation(client, project["id"])
    other = await create_project(client, title="Jembatan Oba")

    response = await client.get(
        f"/v1/infrastructure-projects/{other['id']}/consultations/{created['id']}"
    )

    assert response.status_code == 404


@pytest.mark.parametrize("consultation_id", ["0195f3a9-0000-7000-8000-000000000404", "not-an-id"])
async def test_unknown_or_malformed_consultation_id_answers_404(
    client: httpx.AsyncClient, consultations_url: str, consultation_id: str
) -> None:
    response = await client.get(f"{consultations_url}/{consultation_id}")

    assert response.status_code == 404


async def test_list_filters_by_held_on_range(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    await create_consultation(client, project["id"], held_on="2026-02-01")
    march = await create_consultation(client, project["id"], held_on="2026-03-10")
    await create_consultation(client, project["id"], held_on="2026-04-20")

    response = await client.get(
        consultations_url, params={"held_from": "2026-03-01", "held_to": "2026-03-31"}
    )

    assert [c["id"] for c in response.json()["data"]] == [march["id"]]


async def test_held_to_before_held_from_is_422_naming_held_to(
    client: httpx.AsyncClient, consultations_url: str
) -> None:
    response = await client.get(
        consultations_url, params={"held_from": "2026-03-31", "held_to": "2026-03-01"}
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["location"], error["field"]) == ("query", "held_to")


async def test_list_filters_by_updated_since(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    old = await create_consultation(client, project["id"])
    recent = await create_consultation(client, project["id"])
    changed = await client.patch(f"{consultations_url}/{old['id']}", json={"summary": "Revisi"})
    since = changed.json()["updated_at"]

    data = (await client.get(consultations_url, params={"updated_since": since})).json()["data"]

    assert [c["id"] for c in data] == [old["id"]]
    assert recent["id"] not in [c["id"] for c in data]


async def test_list_shows_only_this_project(
    client: httpx.AsyncClient, project: dict[str, Any], consultations_url: str
) -> None:
    own = await create_consultation(client, project["id"])
    other = await create_project(client, title="Jembatan Oba")
    await create_consultation(client, other["id"])

    data = (await client.get(consultations_url)).json()["data"]

    assert [c["id"] for c in data] == [own["id"]]


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient,
    count_queries: QueryCounter,
    project: dict[str, Any],
    consultations_url: str,
) -> None:
    for day in range(1, 5):
        await create_consultation(client, project["id"], held_on=f"2026-03-0{day}")

    count_queries.count = 0
    small = await client.get(consultations_url, params={"limit": 2})
    small_count = count_queries.count
    count_queries.count = 0
    large = await client.get(consultations_url, params={"limit": 50})
    large_count = count_queries.count

    assert (len(small.json()["data"]), len(large.json()["data"])) == (2, 4)
    assert small_count == large_count
