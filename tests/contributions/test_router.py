import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import QueryCounter
from tests.factories import create_contribution, create_project


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    body = {
        "kind": "labor",
        "description": "Kerja bakti pengerasan badan jalan oleh warga RT 02.",
        "contributed_on": "2026-04-02",
        "contributors_count": 25,
        "person_days": 12.5,
        "value_idr": 1_500_000,
    }

    response = await client.post(contributions_url, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"].endswith(f"{contributions_url}/{created['id']}")
    assert {key: created[key] for key in body} == body
    assert created["project_id"] == project["id"]
    assert created["deleted_at"] is None


async def test_created_contribution_can_be_fetched(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"])

    response = await client.get(f"{contributions_url}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "materials", "description": "Pasir dan batu kali 6 m³"},
        {"kind": "land", "description": "Hibah lahan 200 m² untuk bak penampung"},
        {"kind": "cash", "value_idr": 2_500_000},
    ],
    ids=["materials", "land", "cash"],
)
async def test_other_kinds_need_no_person_days(
    client: httpx.AsyncClient, contributions_url: str, body: dict[str, Any]
) -> None:
    response = await client.post(contributions_url, json=body)

    assert response.status_code == 201, response.text
    assert response.json()["person_days"] is None


async def test_labor_without_person_days_is_422(
    client: httpx.AsyncClient, contributions_url: str
) -> None:
    response = await client.post(contributions_url, json={"kind": "labor"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "person_days"


@pytest.mark.parametrize("kind", ["materials", "land", "cash"])
async def test_person_days_on_other_kinds_is_422(
    client: httpx.AsyncClient, contributions_url: str, kind: str
) -> None:
    response = await client.post(
        contributions_url, json={"kind": kind, "person_days": 3, "value_idr": 100_000}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "person_days"


async def test_cash_without_value_is_422(client: httpx.AsyncClient, contributions_url: str) -> None:
    response = await client.post(contributions_url, json={"kind": "cash"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "value_idr"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("person_days", -0.5),
        ("person_days", 1e9),
        ("value_idr", -1),
        ("value_idr", 10**19),
        ("contributors_count", 0),
        ("contributors_count", 2**31),
        ("kind", "volunteering"),
        ("contributed_on", "kemarin"),
        ("description", "x" * 2001),
    ],
)
async def test_bad_value_is_422_naming_the_field(
    client: httpx.AsyncClient, contributions_url: str, field: str, value: Any
) -> None:
    body = {"kind": "labor", "person_days": 4} | {field: value}

    response = await client.post(contributions_url, json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_unknown_field_is_rejected(client: httpx.AsyncClient, contributions_url: str) -> None:
    response = await client.post(
        contributions_url, json={"kind": "labor", "person_days": 4, "hours": 32}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "hours"


async def test_patch_changes_only_sent_fields(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"], contributors_count=10)

    response = await client.patch(f"{contributions_url}/{created['id']}", json={"person_days": 20})

    assert response.status_code == 200
    body = response.json()
    assert body["person_days"] == 20
    assert body["contributors_count"] == 10
    assert body["updated_at"] > created["updated_at"]


async def test_patch_kind_away_from_labor_must_clear_person_days(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"])
    url = f"{contributions_url}/{created['id']}"

    refused = await client.patch(url, json={"kind": "materials"})
    accepted = await client.patch(url, json={"kind": "materials", "person_days": None})

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "person_days"
    assert accepted.status_code == 200
    assert accepted.json()["kind"] == "materials"


async def test_patch_clearing_person_days_of_labor_is_422(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"])

    response = await client.patch(
        f"{contributions_url}/{created['id']}", json={"person_days": None}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "person_days"


async def test_patch_cannot_null_kind(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"])

    response = await client.patch(f"{contributions_url}/{created['id']}", json={"kind": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


async def test_patch_updates_the_project_person_days(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"], person_days=5)

    await client.patch(f"{contributions_url}/{created['id']}", json={"person_days": 8})

    fetched = (await client.get(f"/v1/infrastructure-projects/{project['id']}")).json()
    assert fetched["community_person_days"] == 8


async def test_delete_answers_204_then_404(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"])

    deleted = await client.delete(f"{contributions_url}/{created['id']}")
    fetched = await client.get(f"{contributions_url}/{created['id']}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_contribution_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    created = await create_contribution(client, project["id"])
    await client.delete(f"{contributions_url}/{created['id']}")

    default = (await client.get(contributions_url)).json()["data"]
    with_deleted = (await client.get(contributions_url, params={"include_deleted": "true"})).json()[
        "data"
    ]

    assert default == []
    assert [c["id"] for c in with_deleted] == [created["id"]]
    assert with_deleted[0]["deleted_at"] is not None


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_project_answers_404_on_the_collection(
    client: httpx.AsyncClient, method: str
) -> None:
    url = f"/v1/infrastructure-projects/{uuid.uuid4()}/contributions"

    response = await client.request(method, url, json={"kind": "labor", "person_days": 2})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_deleted_project_answers_404_on_its_contributions(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str, method: str
) -> None:
    created = await create_contribution(client, project["id"])
    await client.delete(f"/v1/infrastructure-projects/{project['id']}")

    response = await client.request(
        method, f"{contributions_url}/{created['id']}", json={"description": "x"}
    )
    listed = await client.get(contributions_url)

    assert response.status_code == 404
    assert listed.status_code == 404


async def test_contribution_is_not_found_under_another_project(
    client: httpx.AsyncClient, project: dict[str, Any]
) -> None:
    created = await create_contribution(client, project["id"])
    other = await create_project(client, title="Jembatan Oba")

    response = await client.get(
        f"/v1/infrastructure-projects/{other['id']}/contributions/{created['id']}"
    )

    assert response.status_code == 404


@pytest.mark.parametrize("contribution_id", ["0195f3a9-0000-7000-8000-000000000404", "not-an-id"])
async def test_unknown_or_malformed_contribution_id_answers_404(
    client: httpx.AsyncClient, contributions_url: str, contribution_id: str
) -> None:
    response = await client.get(f"{contributions_url}/{contribution_id}")

    assert response.status_code == 404


async def test_list_filters_by_kind(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    await create_contribution(client, project["id"])
    cash = await create_contribution(
        client, project["id"], kind="cash", person_days=None, value_idr=500_000
    )

    data = (await client.get(contributions_url, params={"kind": "cash"})).json()["data"]

    assert [c["id"] for c in data] == [cash["id"]]


async def test_list_filters_by_updated_since(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    old = await create_contribution(client, project["id"])
    recent = await create_contribution(client, project["id"])
    changed = await client.patch(f"{contributions_url}/{old['id']}", json={"person_days": 3})
    since = changed.json()["updated_at"]

    data = (await client.get(contributions_url, params={"updated_since": since})).json()["data"]

    assert [c["id"] for c in data] == [old["id"]]
    assert recent["id"] not in [c["id"] for c in data]


async def test_list_shows_only_this_project(
    client: httpx.AsyncClient, project: dict[str, Any], contributions_url: str
) -> None:
    own = await create_contribution(client, project["id"])
    other = await create_project(client, title="Jembatan Oba")
    await create_contribution(client, other["id"])

    data = (await client.get(contributions_url)).json()["data"]

    assert [c["id"] for c in data] == [own["id"]]


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient,
    count_queries: QueryCounter,
    project: dict[str, Any],
    contributions_url: str,
) -> None:
    for days in range(1, 5):
        await create_contribution(client, project["id"], person_days=days)

    count_queries.count = 0
    small = await client.get(contributions_url, params={"limit": 2})
    small_count = count_queries.count
    count_queries.count = 0
    large = await client.get(contributions_url, params={"limit": 50})
    large_count = count_queries.count

    assert (len(small.json()["data"]), len(large.json()["data"])) == (2, 4)
    assert small_count == large_count
