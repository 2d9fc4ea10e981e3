"""Erasure wipes a person's personal data for good and keeps what aggregates count."""

import uuid
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.participants.models import Participant
from tests.conftest import ClientFactory
from tests.factories import (
    SOFIFI,
    create_enrollment,
    create_group,
    create_person,
    create_program,
    create_reference_areas,
)
from tests.participants.conftest import NIK, PHONE

WIPED = ("full_name", "nik", "phone", "birth_date", "consent_at", "consent_basis")


async def erase(client: httpx.AsyncClient, participant_id: str) -> httpx.Response:
    return await client.post(f"/v1/participants/{participant_id}/erasure")


async def test_erasure_wipes_personal_data_and_consent(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await erase(client, person["id"])

    assert response.status_code == 200
    body = response.json()
    assert {name: body[name] for name in WIPED} == dict.fromkeys(WIPED)
    assert body["consent_given"] is False
    assert body["personal_data"] == "erased"
    assert body["erased_at"] is not None
    assert body["updated_at"] > person["updated_at"]
    assert NIK not in response.text


async def test_erased_person_reads_back_erased(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    erased = (await erase(client, person["id"])).json()

    fetched = (await client.get(f"/v1/participants/{person['id']}")).json()
    listed = (await client.get("/v1/participants")).json()["data"]

    assert fetched == erased
    assert listed[0]["full_name"] is None
    assert listed[0]["erased_at"] == erased["erased_at"]


async def test_erasure_keeps_gender_birth_year_and_area(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
    person = await create_person(client, nik=NIK, area_code=SOFIFI)

    body = (await erase(client, person["id"])).json()

    assert (body["kind"], body["gender"], body["birth_year"], body["area_code"]) == (
        "person",
        "female",
        1986,
        SOFIFI,
    )


async def test_erasure_keeps_group_memberships(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    group = await create_group(client, member_ids=[person["id"]])

    await erase(client, person["id"])

    fetched = (await client.get(f"/v1/participants/{group['id']}")).json()
    assert fetched["member_ids"] == [person["id"]]


async def test_erasure_keeps_enrollments_and_their_outcomes(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    program = await create_program(client)
    enrollment = await create_enrollment(
        client,
        program["id"],
        person["id"],
        status="completed",
        completed_on="2026-06-30",
        baseline_monthly_income_idr=900_000,
        latest_monthly_income_idr=1_750_000,
    )

    await erase(client, person["id"])

    path = f"/v1/programs/{program['id']}/enrollments/{enrollment['id']}"
    kept = (await client.get(path)).json()
    assert kept["participant_id"] == person["id"]
    assert (kept["status"], kept["latest_monthly_income_idr"]) == ("completed", 1_750_000)


async def test_erasure_is_idempotent(client: httpx.AsyncClient, person: dict[str, Any]) -> None:
    first = await erase(client, person["id"])

    second = await erase(client, person["id"])

    assert second.status_code == 200
    assert second.json() == first.json()


async def test_erasure_clears_the_stored_ciphertext(
    client: httpx.AsyncClient, session: AsyncSession, person: dict[str, Any]
) -> None:
    await erase(client, person["id"])

    stored = await session.get(Participant, uuid.UUID(person["id"]), populate_existing=True)
    assert stored is not None
    assert stored.nik_digest is None
    assert stored.nik_ciphertext is None
    assert stored.phone_ciphertext is None
    assert stored.birth_date_ciphertext is None
    assert stored.full_name is None


async def test_personal_fields_of_an_erased_person_cannot_be_set_again(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await erase(client, person["id"])

    response = await client.patch(f"/v1/participants/{person['id']}", json={"phone": PHONE})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert PHONE[3:] not in response.text


async def test_name_of_an_erased_person_cannot_be_set_again(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await erase(client, person["id"])

    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"full_name": "Siti Hadija"}
    )

    assert response.status_code == 409


async def test_other_fields_of_an_erased_person_can_change(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await erase(client, person["id"])

    response = await client.patch(f"/v1/participants/{person['id']}", json={"gender": "male"})

    assert response.status_code == 200
    assert response.json()["gender"] == "male"
    assert response.json()["personal_data"] == "erased"


async def test_erased_person_is_not_found_by_nik(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await erase(client, person["id"])

    response = await client.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 404


async def test_nik_of_an_erased_person_can_be_registered_again(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await erase(client, person["id"])

    again = await create_person(client, nik=NIK)

    assert again["nik"] == NIK


async def test_deleted_person_can_be_erased(
    client: httpx.AsyncClient, session: AsyncSession, person: dict[str, Any]
) -> None:
    await client.delete(f"/v1/participants/{person['id']}")

    response = await erase(client, person["id"])

    assert response.status_code == 200
    assert response.json()["deleted_at"] is not None
    stored = await session.get(Participant, uuid.UUID(person["id"]), populate_existing=True)
    assert stored is not None
    assert stored.nik_ciphertext is None
    assert (await client.get(f"/v1/participants/{person['id']}")).status_code == 404


async def test_erasure_of_a_group_is_409(client: httpx.AsyncClient) -> None:
    group = await create_group(client)

    response = await erase(client, group["id"])

    assert response.status_code == 409


async def test_erasure_of_an_unknown_participant_is_404(client: httpx.AsyncClient) -> None:
    response = await erase(client, str(uuid.uuid4()))

    assert response.status_code == 404


async def test_erasure_needs_the_pii_scope(
    make_client: ClientFactory, client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    writer = await make_client("participants:write")

    response = await erase(writer, person["id"])

    assert response.status_code == 403
    assert "participants:pii" in response.json()["detail"]
    assert (await client.get(f"/v1/participants/{person['id']}")).json()["nik"] == NIK


async def test_erasure_needs_the_write_scope(
    make_client: ClientFactory, person: dict[str, Any]
) -> None:
    reader = await make_client("participants:read", "participants:pii")

    response = await erase(reader, person["id"])

    assert response.status_code == 403
    assert "participants:write" in response.json()["detail"]
