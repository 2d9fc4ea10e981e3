import uuid

import httpx

from tests.factories import SOFIFI, create_organization, create_reference_areas


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/organizations",
        json={"name": "Yayasan Bambu Lestari", "kind": "ngo", "acronym": "YBL"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Yayasan Bambu Lestari"
    assert body["kind"] == "ngo"
    assert body["deleted_at"] is None
    assert response.headers["Location"].endswith(f"/v1/organizations/{body['id']}")


async def test_created_organization_can_be_fetched(client: httpx.AsyncClient) -> None:
    created = await create_organization(client)

    response = await client.get(f"/v1/organizations/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_timestamps_are_rfc3339_utc(client: httpx.AsyncClient) -> None:
    created = await create_organization(client)

    assert created["created_at"].endswith("Z") or created["created_at"].endswith("+00:00")


async def test_patch_changes_only_sent_fields(client: httpx.AsyncClient) -> None:
    created = await create_organization(client, acronym="Diskop")

    response = await client.patch(
        f"/v1/organizations/{created['id']}", json={"name": "Dinas Koperasi Malut"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Dinas Koperasi Malut"
    assert body["acronym"] == "Diskop"
    assert body["updated_at"] > created["updated_at"]


async def test_patch_cannot_null_a_required_field(client: httpx.AsyncClient) -> None:
    created = await create_organization(client)

    response = await client.patch(f"/v1/organizations/{created['id']}", json={"name": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


async def test_delete_answers_204_then_404(client: httpx.AsyncClient) -> None:
    created = await create_organization(client)

    deleted = await client.delete(f"/v1/organizations/{created['id']}")
    fetched = await client.get(f"/v1/organizations/{created['id']}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_organization_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient,
) -> None:
    created = await create_organization(client)
    await client.delete(f"/v1/organizations/{created['id']}")

    default = (await client.get("/v1/organizations")).json()["data"]
    with_deleted = (await client.get("/v1/organizations?include_deleted=true")).json()["data"]

    assert created["id"] not in [o["id"] for o in default]
    tombstone = next(o for o in with_deleted if o["id"] == created["id"])
    assert tombstone["deleted_at"] is not None


async def test_unknown_id_answers_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/organizations/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_id_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/organizations/not-an-id")

    assert response.status_code == 404


async def test_unknown_kind_lists_allowed_values(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/organizations", json={"name": "X", "kind": "church"})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "kind"
    assert "'government', 'ngo', 'private' or 'community'" in error["message"]


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/organizations", json={"name": "X", "kind": "ngo", "nmae": "typo"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nmae"


async def test_missing_area_reference_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/organizations", json={"name": "X", "kind": "ngo", "area_code": "99.99"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "area_code"


async def test_list_filters_by_kind(client: httpx.AsyncClient) -> None:
    ngo = await create_organization(client, kind="ngo", name="LSM Daur")
    await create_organization(client, kind="private", name="PT Halmahera")

    data = (await client.get("/v1/organizations?kind=ngo")).json()["data"]

    assert [o["id"] for o in data] == [ngo["id"]]


async def test_list_filters_by_area(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
    local = await create_organization(client, area_code=SOFIFI)
    await create_organization(client)

    data = (await client.get(f"/v1/organizations?area_code={SOFIFI}")).json()["data"]

    assert [o["id"] for o in data] == [local["id"]]


async def test_list_filters_by_updated_since(client: httpx.AsyncClient) -> None:
    old = await create_organization(client, name="Old")
    recent = await create_organization(client, name="Recent")
    changed = await client.patch(f"/v1/organizations/{old['id']}", json={"acronym": "O"})
    since = changed.json()["updated_at"]

    data = (await client.get("/v1/organizations", params={"updated_since": since})).json()["data"]

    assert [o["id"] for o in data] == [old["id"]]
    assert recent["id"] not in [o["id"] for o in data]


async def test_delete_of_organization_leading_a_program_is_409(client: httpx.AsyncClient) -> None:
    lead = await create_organization(client)
    program = await client.post(
        "/v1/programs",
        json={
            "title": "Pelatihan anyaman bambu",
            "category": "education_skills",
            "status": "active",
            "lead_organization_id": lead["id"],
        },
    )
    assert program.status_code == 201, program.text

    response = await client.delete(f"/v1/organizations/{lead['id']}")

    assert response.status_code == 409
