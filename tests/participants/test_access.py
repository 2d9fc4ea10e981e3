"""Who sees personal data: only clients granted participants:pii; look-up by NIK in the body."""

from typing import Any

import httpx

from tests.conftest import ClientFactory
from tests.factories import OBA_UTARA, SOFIFI, create_group, create_person
from tests.participants.conftest import NIK, OTHER_NIK, PHONE, TERNATE

PERSONAL_DATA = ("nik", "phone", "birth_date")


def personal_data_of(body: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(body[name] for name in PERSONAL_DATA)


# Visibility


async def test_client_with_pii_sees_personal_data(
    make_client: ClientFactory, person: dict[str, Any]
) -> None:
    reader = await make_client("participants:read", "participants:pii")

    body = (await reader.get(f"/v1/participants/{person['id']}")).json()

    assert personal_data_of(body) == (NIK, PHONE, "1986-07-01")
    assert body["personal_data"] == "included"


async def test_client_without_pii_gets_personal_data_redacted(
    make_client: ClientFactory, person: dict[str, Any]
) -> None:
    reader = await make_client("participants:read")

    response = await reader.get(f"/v1/participants/{person['id']}")

    assert response.status_code == 200
    body = response.json()
    assert personal_data_of(body) == (None, None, None)
    assert body["personal_data"] == "redacted"
    assert body["full_name"] == person["full_name"]
    assert NIK not in response.text
    assert PHONE[3:] not in response.text
    assert "1986-07-01" not in response.text


async def test_person_without_personal_data_shows_it_included_as_null(
    make_client: ClientFactory, client: httpx.AsyncClient
) -> None:
    created = await create_person(client)
    reader = await make_client("participants:read", "participants:pii")

    body = (await reader.get(f"/v1/participants/{created['id']}")).json()

    assert personal_data_of(body) == (None, None, None)
    assert body["personal_data"] == "included"


async def test_client_without_pii_can_register_personal_data_it_cannot_read(
    make_client: ClientFactory, client: httpx.AsyncClient
) -> None:
    survey_app = await make_client("participants:write")

    response = await survey_app.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": NIK, "phone": PHONE},
    )

    assert response.status_code == 201
    assert personal_data_of(response.json()) == (None, None, None)
    assert response.json()["personal_data"] == "redacted"
    assert NIK not in response.text
    stored = (await client.get(f"/v1/participants/{response.json()['id']}")).json()
    assert (stored["nik"], stored["phone"]) == (NIK, PHONE)


async def test_patch_answer_to_client_without_pii_is_redacted(
    make_client: ClientFactory, client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write")

    response = await survey_app.patch(
        f"/v1/participants/{person['id']}", json={"phone": "0813 4000 1122"}
    )

    assert response.status_code == 200
    assert personal_data_of(response.json()) == (None, None, None)
    stored = (await client.get(f"/v1/participants/{person['id']}")).json()
    assert stored["phone"] == "+6281340001122"


async def test_group_representation_has_no_personal_data_marker(
    client: httpx.AsyncClient,
) -> None:
    group = await create_group(client)

    body = (await client.get(f"/v1/participants/{group['id']}")).json()

    assert "personal_data" not in body


# Look-up by NIK


async def test_lookup_by_nik_finds_the_person_with_personal_data(
    make_client: ClientFactory, person: dict[str, Any]
) -> None:
    reader = await make_client("participants:read", "participants:pii")

    response = await reader.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 200
    assert response.json()["id"] == person["id"]
    assert response.json()["nik"] == NIK


async def test_lookup_of_an_unknown_nik_is_404_without_the_nik(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.post("/v1/participants/lookup", json={"nik": OTHER_NIK})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert OTHER_NIK not in response.text


async def test_lookup_skips_deleted_persons(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await client.delete(f"/v1/participants/{person['id']}")

    response = await client.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 404


async def test_lookup_needs_the_pii_scope(
    make_client: ClientFactory, person: dict[str, Any]
) -> None:
    reader = await make_client("participants:read")

    response = await reader.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 403
    assert "participants:pii" in response.json()["detail"]
    assert NIK not in response.text


async def test_lookup_with_a_malformed_nik_is_422_without_echoing_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/participants/lookup", json={"nik": "82720241078600"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["nik"]
    assert "82720241078600" not in response.text


async def test_lookup_with_unknown_fields_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/participants/lookup", json={"nik": NIK, "phone": PHONE})

    assert response.status_code == 422


async def test_lookup_outside_the_client_areas_is_404(
    make_client: ClientFactory, client: httpx.AsyncClient, areas: None
) -> None:
    await create_person(client, nik=NIK, area_code=TERNATE)
    reader = await make_client("participants:read", "participants:pii", area_codes=[OBA_UTARA])

    response = await reader.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 404


async def test_lookup_inside_the_client_areas_finds_the_person(
    make_client: ClientFactory, client: httpx.AsyncClient, areas: None
) -> None:
    created = await create_person(client, nik=NIK, area_code=SOFIFI)
    reader = await make_client("participants:read", "participants:pii", area_codes=[OBA_UTARA])

    response = await reader.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.json()["id"] == created["id"]


async def test_lookup_is_recorded_as_a_personal_data_read(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.post("/v1/participants/lookup", json={"nik": NIK})

    trail = await client.get(
        "/v1/audit-events", params={"request_id": response.headers["Request-Id"]}
    )
    events = [(e["action"], e["resource_id"]) for e in trail.json()["data"]]
    assert events == [("pii.read", person["id"])]
    assert NIK not in trail.text
