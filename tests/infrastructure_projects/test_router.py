import uuid
from typing import Any

import httpx
import pytest

from tests.factories import OBA_UTARA, SOFIFI, create_organization, create_project

PROJECTS = "/v1/infrastructure-projects"


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient, reference_areas: None, contractor: dict[str, Any]
) -> None:
    body = {
        "title": "Jembatan Desa Sofifi",
        "project_type": "bridge",
        "status": "implementation",
        "location": {"type": "Point", "coordinates": [127.58056, 0.72444]},
        "area_codes": [SOFIFI],
        "budget_idr": 1_250_000_000,
        "funding_sources": [
            {
                "organization_id": contractor["id"],
                "name": "APBD Provinsi Maluku Utara 2026",
                "amount_idr": 1_000_000_000,
                "source_type": "apbd",
            },
            {
                "name": "Dana Desa Sofifi 2026",
                "amount_idr": 250_000_000,
                "source_type": "dana_desa",
            },
        ],
        "implementing_organization_id": contractor["id"],
        "start_date": "2026-04-01",
        "end_date": "2026-10-31",
        "progress_percent": 45,
        "beneficiaries_count": 1350,
    }

    response = await client.post(PROJECTS, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"].endswith(f"{PROJECTS}/{created['id']}")
    assert {key: created[key] for key in body if key != "funding_sources"} == {
        key: value for key, value in body.items() if key != "funding_sources"
    }
    assert created["funding_sources"][1] == {"organization_id": None, **body["funding_sources"][1]}
    assert created["consultations_count"] == 0
    assert created["community_person_days"] == 0
    assert created["community_contribution_value_idr"] == 0
    assert created["women_share_in_consultations"] is None
    assert created["deleted_at"] is None


async def test_created_project_can_be_fetched(client: httpx.AsyncClient) -> None:
    created = await create_project(client)

    response = await client.get(f"{PROJECTS}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_area_codes_are_deduplicated_and_sorted(
    client: httpx.AsyncClient, reference_areas: None
) -> None:
    created = await create_project(client, area_codes=[SOFIFI, OBA_UTARA, SOFIFI])

    assert created["area_codes"] == [OBA_UTARA, SOFIFI]


async def test_patch_changes_only_sent_fields(client: httpx.AsyncClient) -> None:
    created = await create_project(client, description="Tahap I")

    response = await client.patch(
        f"{PROJECTS}/{created['id']}", json={"status": "implementation", "progress_percent": 30}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "implementation"
    assert body["progress_percent"] == 30
    assert body["description"] == "Tahap I"
    assert body["location"] == created["location"]
    assert body["updated_at"] > created["updated_at"]


async def test_patch_replaces_area_codes(client: httpx.AsyncClient, reference_areas: None) -> None:
    created = await create_project(client, area_codes=[OBA_UTARA])

    response = await client.patch(f"{PROJECTS}/{created['id']}", json={"area_codes": [SOFIFI]})

    assert response.status_code == 200
    assert response.json()["area_codes"] == [SOFIFI]


async def test_patch_with_null_location_clears_it(client: httpx.AsyncClient) -> None:
    created = await create_project(client)

    response = await client.patch(f"{PROJECTS}/{created['id']}", json={"location": None})

    assert response.status_code == 200
    assert response.json()["location"] is None


@pytest.mark.parametrize("field", ["title", "status", "project_type", "area_codes"])
async def test_patch_cannot_null_a_required_field(client: httpx.AsyncClient, field: str) -> None:
    created = await create_project(client)

    response = await client.patch(f"{PROJECTS}/{created['id']}", json={field: None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_end_date_before_start_date_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PROJECTS,
        json={
            "title": "Sumur bor Desa Sofifi",
            "project_type": "water_supply",
            "status": "preparation",
            "start_date": "2026-05-01",
            "end_date": "2026-04-30",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end_date"


async def test_patch_end_date_before_stored_start_date_is_422(client: httpx.AsyncClient) -> None:
    created = await create_project(client, start_date="2026-05-01")

    response = await client.patch(f"{PROJECTS}/{created['id']}", json={"end_date": "2026-04-01"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end_date"


async def test_completed_on_before_start_date_is_422(client: httpx.AsyncClient) -> None:
    created = await create_project(client, start_date="2026-05-01")

    response = await client.patch(
        f"{PROJECTS}/{created['id']}", json={"completed_on": "2026-01-15"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "completed_on"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("budget_idr", -1),
        ("budget_idr", 10**19),
        ("progress_percent", -1),
        ("progress_percent", 101),
        ("beneficiaries_count", -5),
        ("beneficiaries_count", 2**31),
        ("title", ""),
        ("title", "x" * 201),
    ],
)
async def test_out_of_range_value_is_422_naming_the_field(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    response = await client.post(
        PROJECTS,
        json={"title": "Pasar Sofifi", "project_type": "market", "status": "preparation"}
        | {field: value},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_negative_funding_amount_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PROJECTS,
        json={
            "title": "Pasar Sofifi",
            "project_type": "market",
            "status": "preparation",
            "funding_sources": [{"name": "Swadaya", "amount_idr": -1, "source_type": "community"}],
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "funding_sources.0.amount_idr"


async def test_unknown_status_lists_allowed_values(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PROJECTS, json={"title": "Pasar Sofifi", "project_type": "market", "status": "planned"}
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "status"
    assert "'identification', 'preparation', 'implementation', 'completion'" in error["message"]


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PROJECTS,
        json={"title": "X", "project_type": "road", "status": "preparation", "budjet_idr": 5},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "budjet_idr"


async def test_derived_totals_cannot_be_written(client: httpx.AsyncClient) -> None:
    created = await create_project(client)

    response = await client.patch(
        f"{PROJECTS}/{created['id']}", json={"community_person_days": 1000}
    )

    assert response.status_code == 422


async def test_unknown_implementing_organization_is_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        PROJECTS,
        json={
            "title": "Jalan Sofifi",
            "project_type": "road",
            "status": "preparation",
            "implementing_organization_id": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "implementing_organization_id"


async def test_deleted_implementing_organization_is_422(client: httpx.AsyncClient) -> None:
    organization = await create_organization(client)
    await client.delete(f"/v1/organizations/{organization['id']}")

    response = await client.post(
        PROJECTS,
        json={
            "title": "Jalan Sofifi",
            "project_type": "road",
            "status": "preparation",
            "implementing_organization_id": organization["id"],
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "implementing_organization_id"


async def test_unknown_funding_organization_is_422_naming_the_source(
    client: httpx.AsyncClient, contractor: dict[str, Any]
) -> None:
    created = await create_project(client)
    sources = [
        {
            "organization_id": contractor["id"],
            "name": "APBD",
            "amount_idr": 5,
            "source_type": "apbd",
        },
        {
            "organization_id": str(uuid.uuid4()),
            "name": "CSR",
            "amount_idr": 5,
            "source_type": "private",
        },
    ]

    response = await client.patch(f"{PROJECTS}/{created['id']}", json={"funding_sources": sources})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["funding_sources.1.organization_id"]


async def test_unknown_area_code_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PROJECTS,
        json={
            "title": "Jalan Sofifi",
            "project_type": "road",
            "status": "preparation",
            "area_codes": ["99.99"],
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "area_codes.0"
    assert "99.99" not in response.text


async def test_rejected_patch_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await create_project(client)

    await client.patch(
        f"{PROJECTS}/{created['id']}",
        json={"title": "Judul baru", "implementing_organization_id": str(uuid.uuid4())},
    )

    assert (await client.get(f"{PROJECTS}/{created['id']}")).json() == created


async def test_delete_answers_204_then_404(client: httpx.AsyncClient) -> None:
    created = await create_project(client)

    deleted = await client.delete(f"{PROJECTS}/{created['id']}")
    fetched = await client.get(f"{PROJECTS}/{created['id']}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_project_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient,
) -> None:
    created = await create_project(client)
    await client.delete(f"{PROJECTS}/{created['id']}")

    default = (await client.get(PROJECTS)).json()["data"]
    with_deleted = (await client.get(PROJECTS, params={"include_deleted": "true"})).json()["data"]

    assert created["id"] not in [p["id"] for p in default]
    tombstone = next(p for p in with_deleted if p["id"] == created["id"])
    assert tombstone["deleted_at"] is not None


@pytest.mark.parametrize("project_id", ["0195f3a9-0000-7000-8000-000000000404", "not-an-id"])
async def test_unknown_or_malformed_id_answers_404_problem(
    client: httpx.AsyncClient, project_id: str
) -> None:
    response = await client.get(f"{PROJECTS}/{project_id}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_list_filters_by_status_and_type(client: httpx.AsyncClient) -> None:
    wanted = await create_project(client, status="implementation", project_type="bridge")
    await create_project(client, status="implementation", project_type="road")
    await create_project(client, status="preparation", project_type="bridge")

    response = await client.get(
        PROJECTS, params={"status": "implementation", "project_type": "bridge"}
    )

    assert [p["id"] for p in response.json()["data"]] == [wanted["id"]]


async def test_list_filters_by_area(client: httpx.AsyncClient, reference_areas: None) -> None:
    local = await create_project(client, area_codes=[SOFIFI, OBA_UTARA])
    await create_project(client, area_codes=[OBA_UTARA])

    data = (await client.get(PROJECTS, params={"area_code": SOFIFI})).json()["data"]

    assert [p["id"] for p in data] == [local["id"]]


async def test_list_filters_by_implementing_organization(
    client: httpx.AsyncClient, contractor: dict[str, Any]
) -> None:
    built = await create_project(client, implementing_organization_id=contractor["id"])
    await create_project(client)

    data = (
        await client.get(PROJECTS, params={"implementing_organization_id": contractor["id"]})
    ).json()["data"]

    assert [p["id"] for p in data] == [built["id"]]


async def test_list_filters_by_title_text(client: httpx.AsyncClient) -> None:
    bridge = await create_project(client, title="Jembatan Kali Oba")
    await create_project(client, title="Jalan usaha tani")

    data = (await client.get(PROJECTS, params={"q": "kali oba"})).json()["data"]

    assert [p["id"] for p in data] == [bridge["id"]]


async def test_list_filters_by_updated_since(client: httpx.AsyncClient) -> None:
    old = await create_project(client, title="Lama")
    recent = await create_project(client, title="Baru")
    changed = await client.patch(f"{PROJECTS}/{old['id']}", json={"progress_percent": 10})
    since = changed.json()["updated_at"]

    data = (await client.get(PROJECTS, params={"updated_since": since})).json()["data"]

    assert [p["id"] for p in data] == [old["id"]]
    assert recent["id"] not in [p["id"] for p in data]


async def test_list_pages_follow_the_cursor(client: httpx.AsyncClient) -> None:
    ids = [(await create_project(client, title=f"Proyek {n}"))["id"] for n in range(3)]

    first = await client.get(PROJECTS, params={"limit": 2})
    second = await client.get(PROJECTS, params={"limit": 2, "cursor": first.json()["next_cursor"]})

    assert [p["id"] for p in first.json()["data"]] == ids[:2]
    assert 'rel="next"' in first.headers["Link"]
    assert [p["id"] for p in second.json()["data"]] == ids[2:]
    assert second.json()["next_cursor"] is None
