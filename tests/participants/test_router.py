import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import QueryCounter
from tests.factories import (
    SOFIFI,
    create_enrollment,
    create_group,
    create_person,
    create_program,
    create_reference_areas,
)
from tests.participants.conftest import NIK, OTHER_NIK, PHONE, assert_no_digits_in_errors

PERSONAL_DATA_KEYS = {"nik", "phone", "birth_date"}


# Persons


async def test_create_person_returns_201_with_location_and_personal_data(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/participants",
        json={
            "kind": "person",
            "full_name": "Siti Hadija",
            "gender": "female",
            "birth_year": 1986,
            "nik": NIK,
            "phone": "0821 8765 4321",
            "birth_date": "1986-07-01",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "person"
    assert body["nik"] == NIK
    assert body["phone"] == PHONE
    assert body["birth_date"] == "1986-07-01"
    assert body["consent_given"] is False
    assert body["deleted_at"] is None
    assert response.headers["Location"].endswith(f"/v1/participants/{body['id']}")


async def test_created_person_can_be_fetched_with_personal_data(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.get(f"/v1/participants/{person['id']}")

    assert response.status_code == 200
    assert response.json() == person
    assert response.json().keys() >= PERSONAL_DATA_KEYS


@pytest.mark.parametrize(
    "raw",
    ["+62 821-8765-4321", "62 821 8765 4321", "0821.8765.4321", "(0821) 87654321", "082187654321"],
)
async def test_phone_is_normalised_to_e164(client: httpx.AsyncClient, raw: str) -> None:
    created = await create_person(client, phone=raw)

    assert created["phone"] == PHONE


async def test_fixed_line_phone_is_accepted(client: httpx.AsyncClient) -> None:
    created = await create_person(client, phone="(0921) 312 1234")

    assert created["phone"] == "+629213121234"


@pytest.mark.parametrize(
    "raw",
    ["12345", "+1 415 555 0100", "0812-3456-78901234", "08123abc4567", "00812345678", "", 6281234],
)
async def test_invalid_phone_is_422_without_echoing_it(
    client: httpx.AsyncClient, raw: object
) -> None:
    response = await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti Hadija", "phone": raw}
    )

    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["phone"]
    assert_no_digits_in_errors(body)


@pytest.mark.parametrize(
    "raw",
    ["12345", "82720241078600011", "82720241078600ab", "8272 0241 0786 0001", 8272024107860001],
)
async def test_invalid_nik_is_422_without_echoing_its_digits(
    client: httpx.AsyncClient, raw: object
) -> None:
    response = await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti Hadija", "nik": raw}
    )

    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["nik"]
    assert body["errors"][0]["code"] == "nik_format"
    assert_no_digits_in_errors(body)
    assert str(raw) not in response.text


async def test_nik_in_non_ascii_digits_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": "٨٢٧٢٠٢٤١٠٧٨٦٠٠٠١"},
    )

    assert response.status_code == 422


@pytest.mark.parametrize("raw", ["1986-13-45", "01-07-1986", "2999-01-01", "1899-12-31", 1986])
async def test_invalid_birth_date_is_422_without_echoing_it(
    client: httpx.AsyncClient, raw: object
) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "birth_date": raw},
    )

    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["birth_date"]
    assert_no_digits_in_errors(body)


async def test_duplicate_nik_among_live_persons_is_409_without_the_nik(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Hadija Siti", "nik": NIK}
    )

    assert response.status_code == 409
    assert NIK not in response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_nik_of_a_deleted_person_can_be_used_again(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await client.delete(f"/v1/participants/{person['id']}")

    again = await create_person(client, nik=NIK)

    assert again["nik"] == NIK


async def test_patch_to_a_nik_another_person_holds_is_409_without_the_nik(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    other = await create_person(client, full_name="Nurlela Abdullah", nik=OTHER_NIK)

    response = await client.patch(f"/v1/participants/{other['id']}", json={"nik": NIK})

    assert response.status_code == 409
    assert NIK not in response.text


async def test_patch_keeping_own_nik_is_allowed(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"nik": NIK})

    assert response.status_code == 200


async def test_birth_year_must_be_the_year_of_birth_date(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={
            "kind": "person",
            "full_name": "Siti Hadija",
            "birth_year": 1987,
            "birth_date": "1986-07-01",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "birth_year"
    assert_no_digits_in_errors(response.json())


async def test_birth_year_is_taken_from_birth_date_when_not_sent(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "birth_date": "1986-07-01"},
    )

    assert response.status_code == 201
    assert response.json()["birth_year"] == 1986


@pytest.mark.parametrize("year", [1899, 2999])
async def test_birth_year_outside_1900_to_now_is_422(client: httpx.AsyncClient, year: int) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "birth_year": year},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "birth_year"


async def test_person_needs_a_full_name(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/participants", json={"kind": "person", "gender": "female"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["full_name"]


async def test_unknown_gender_lists_allowed_values(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti Hadija", "gender": "f"}
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "gender"
    assert "'female' or 'male'" in error["message"]


async def test_group_fields_on_a_person_are_422_naming_them(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "name": "X", "member_ids": []},
    )

    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["member_ids", "name"]


async def test_missing_kind_is_422_naming_kind(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/participants", json={"full_name": "Siti Hadija"})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "kind"
    assert "'person' or 'group'" in error["message"]


async def test_unknown_kind_is_422_naming_kind(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants", json={"kind": "household", "full_name": "Siti Hadija"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


async def test_body_that_is_not_an_object_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/participants", json=["person"])

    assert response.status_code == 422


async def test_unknown_area_code_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "area_code": "99.99"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "area_code"


async def test_person_in_a_known_area_is_created(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)

    created = await create_person(client, area_code=SOFIFI)

    assert created["area_code"] == SOFIFI


async def test_unknown_consent_basis_lists_allowed_values(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "consent_basis": "implied"},
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "consent_basis"
    assert "'public_task'" in error["message"]
    assert "'legitimate_interest'" in error["message"]


async def test_lawful_basis_other_than_consent_needs_no_consent(
    client: httpx.AsyncClient,
) -> None:
    created = await create_person(client, consent_basis="public_task")

    assert created["consent_basis"] == "public_task"
    assert created["consent_given"] is False


async def test_consent_at_without_consent_given_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "consent_at": "2026-02-01T02:30:00Z"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent_at"


async def test_consent_at_in_the_future_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={
            "kind": "person",
            "full_name": "Siti Hadija",
            "consent_given": True,
            "consent_at": "2999-01-01T00:00:00Z",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent_at"


async def test_consent_at_without_offset_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={
            "kind": "person",
            "full_name": "Siti Hadija",
            "consent_given": True,
            "consent_at": "2026-02-01T02:30:00",
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent_at"


async def test_consent_basis_consent_without_consent_given_is_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "consent_basis": "consent"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent_basis"


# Groups


async def test_create_group_lists_its_members(client: httpx.AsyncClient) -> None:
    first = await create_person(client)
    second = await create_person(client, full_name="Nurlela Abdullah")

    group = await create_group(client, member_ids=[second["id"], first["id"]])

    assert group["kind"] == "group"
    assert group["member_ids"] == sorted([first["id"], second["id"]])
    assert group["members_count"] == 2
    fetched = (await client.get(f"/v1/participants/{group['id']}")).json()
    assert fetched == group


async def test_group_without_members_is_allowed(client: httpx.AsyncClient) -> None:
    group = await create_group(client)

    assert group["member_ids"] == []
    assert group["members_count"] == 0


async def test_repeated_member_ids_count_once(client: httpx.AsyncClient) -> None:
    member = await create_person(client)

    group = await create_group(client, member_ids=[member["id"], member["id"]])

    assert group["member_ids"] == [member["id"]]
    assert group["members_count"] == 1


async def test_group_needs_a_name(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/participants", json={"kind": "group", "member_ids": []})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


async def test_unknown_member_is_422_naming_member_ids(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "group", "name": "Kelompok Tani", "member_ids": [str(uuid.uuid4())]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids"


async def test_deleted_member_is_422_naming_member_ids(client: httpx.AsyncClient) -> None:
    member = await create_person(client)
    await client.delete(f"/v1/participants/{member['id']}")

    response = await client.post(
        "/v1/participants",
        json={"kind": "group", "name": "Kelompok Tani", "member_ids": [member["id"]]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids"


async def test_group_as_member_is_422_naming_member_ids(client: httpx.AsyncClient) -> None:
    inner = await create_group(client)

    response = await client.post(
        "/v1/participants",
        json={"kind": "group", "name": "Kelompok Tani", "member_ids": [inner["id"]]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids"


async def test_malformed_member_id_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "group", "name": "Kelompok Tani", "member_ids": ["not-an-id"]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids.0"


async def test_person_fields_on_a_group_are_422_without_echoing_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "group", "name": "Kelompok Tani", "nik": NIK, "phone": PHONE},
    )

    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["nik", "phone"]
    assert NIK not in response.text
    assert PHONE[1:] not in response.text


# Updates


async def test_patch_changes_only_sent_fields(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"full_name": "Siti Hadija Umar"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Siti Hadija Umar"
    assert body["nik"] == NIK
    assert body["phone"] == PHONE
    assert body["updated_at"] > person["updated_at"]


async def test_patch_normalises_phone(client: httpx.AsyncClient, person: dict[str, Any]) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"phone": "0813 4000 1122"}
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "+6281340001122"


async def test_patch_with_invalid_nik_is_422_without_echoing_it(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"nik": "8272024"})

    assert response.status_code == 422
    assert_no_digits_in_errors(response.json())


async def test_patch_can_clear_personal_data(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"nik": None, "phone": None, "birth_date": None}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["nik"], body["phone"], body["birth_date"]) == (None, None, None)
    assert body["birth_year"] == 1986


async def test_patch_cannot_null_full_name(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"full_name": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "full_name"


async def test_patch_cannot_change_kind(client: httpx.AsyncClient, person: dict[str, Any]) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"kind": "group"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


async def test_patch_may_repeat_the_current_kind(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"kind": "person", "gender": "female"}
    )

    assert response.status_code == 200


async def test_patch_of_group_fields_on_a_person_is_422(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"name": "Kelompok", "group_type": "x"}
    )

    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["group_type", "name"]


async def test_patch_of_person_fields_on_a_group_is_422_without_echoing_them(
    client: httpx.AsyncClient,
) -> None:
    group = await create_group(client)

    response = await client.patch(f"/v1/participants/{group['id']}", json={"nik": NIK})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nik"
    assert NIK not in response.text


async def test_patch_birth_date_alone_moves_birth_year(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}", json={"birth_date": "1987-03-15"}
    )

    assert response.status_code == 200
    assert response.json()["birth_year"] == 1987


async def test_patch_birth_year_against_stored_birth_date_is_422(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"birth_year": 1990})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "birth_year"


async def test_withdrawing_consent_while_keeping_consent_at_is_422(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"consent_given": False})

    assert response.status_code == 422


async def test_withdrawing_consent_with_another_basis_is_accepted(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/v1/participants/{person['id']}",
        json={"consent_given": False, "consent_at": None, "consent_basis": "public_task"},
    )

    assert response.status_code == 200
    assert response.json()["consent_given"] is False


async def test_patch_member_ids_replaces_the_membership(client: httpx.AsyncClient) -> None:
    first = await create_person(client)
    second = await create_person(client, full_name="Nurlela Abdullah")
    group = await create_group(client, member_ids=[first["id"]])

    response = await client.patch(
        f"/v1/participants/{group['id']}", json={"member_ids": [second["id"]]}
    )

    assert response.status_code == 200
    assert response.json()["member_ids"] == [second["id"]]
    assert response.json()["members_count"] == 1
    fetched = (await client.get(f"/v1/participants/{group['id']}")).json()
    assert fetched["member_ids"] == [second["id"]]


async def test_patch_group_name_keeps_members(client: httpx.AsyncClient) -> None:
    member = await create_person(client)
    group = await create_group(client, member_ids=[member["id"]])

    response = await client.patch(
        f"/v1/participants/{group['id']}", json={"name": "Kelompok Anyaman Guraping"}
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Kelompok Anyaman Guraping"
    assert response.json()["member_ids"] == [member["id"]]


async def test_patch_with_unknown_member_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    member = await create_person(client)
    group = await create_group(client, member_ids=[member["id"]])

    response = await client.patch(
        f"/v1/participants/{group['id']}", json={"member_ids": [str(uuid.uuid4())]}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids"
    fetched = (await client.get(f"/v1/participants/{group['id']}")).json()
    assert fetched["member_ids"] == [member["id"]]


async def test_patch_cannot_null_member_ids(client: httpx.AsyncClient) -> None:
    group = await create_group(client)

    response = await client.patch(f"/v1/participants/{group['id']}", json={"member_ids": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "member_ids"


async def test_unknown_field_in_patch_is_rejected(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/participants/{person['id']}", json={"fullname": "X"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "fullname"


# Reads and deletes


async def test_unknown_id_answers_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/participants/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_id_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/participants/not-an-id")

    assert response.status_code == 404


async def test_delete_answers_204_then_404(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    deleted = await client.delete(f"/v1/participants/{person['id']}")
    fetched = await client.get(f"/v1/participants/{person['id']}")
    patched = await client.patch(f"/v1/participants/{person['id']}", json={"gender": "male"})

    assert deleted.status_code == 204
    assert fetched.status_code == 404
    assert patched.status_code == 404


async def test_deleted_participant_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    await client.delete(f"/v1/participants/{person['id']}")

    default = (await client.get("/v1/participants")).json()["data"]
    with_deleted = (await client.get("/v1/participants?include_deleted=true")).json()["data"]

    assert person["id"] not in [p["id"] for p in default]
    tombstone = next(p for p in with_deleted if p["id"] == person["id"])
    assert tombstone["deleted_at"] is not None
    assert PERSONAL_DATA_KEYS.isdisjoint(tombstone)


async def test_deleting_a_person_removes_it_from_its_groups(client: httpx.AsyncClient) -> None:
    leaving = await create_person(client)
    staying = await create_person(client, full_name="Nurlela Abdullah")
    group = await create_group(client, member_ids=[leaving["id"], staying["id"]])

    await client.delete(f"/v1/participants/{leaving['id']}")

    fetched = (await client.get(f"/v1/participants/{group['id']}")).json()
    assert fetched["member_ids"] == [staying["id"]]
    assert fetched["members_count"] == 1
    assert fetched["updated_at"] > group["updated_at"]


async def test_deleting_a_group_ends_its_memberships(client: httpx.AsyncClient) -> None:
    member = await create_person(client)
    group = await create_group(client, member_ids=[member["id"]])

    await client.delete(f"/v1/participants/{group['id']}")

    listed = (await client.get(f"/v1/participants?member_id={member['id']}")).json()["data"]
    tombstones = (
        await client.get("/v1/participants", params={"include_deleted": "true", "kind": "group"})
    ).json()["data"]
    assert listed == []
    assert tombstones[0]["member_ids"] == []


# Lists


async def test_list_never_carries_personal_data(
    client: httpx.AsyncClient, person: dict[str, Any]
) -> None:
    response = await client.get("/v1/participants")

    assert response.status_code == 200
    [listed] = response.json()["data"]
    assert listed["id"] == person["id"]
    assert PERSONAL_DATA_KEYS.isdisjoint(listed)
    assert NIK not in response.text
    assert PHONE[3:] not in response.text
    assert "1986-07-01" not in response.text
    assert listed["full_name"] == person["full_name"]
    assert listed["birth_year"] == 1986


async def test_list_offers_no_filter_on_personal_data(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    parameters = document["paths"]["/v1/participants"]["get"]["parameters"]

    assert PERSONAL_DATA_KEYS.isdisjoint(p["name"] for p in parameters)


async def test_list_shows_groups_with_their_members(client: httpx.AsyncClient) -> None:
    member = await create_person(client)
    group = await create_group(client, member_ids=[member["id"]])

    data = (await client.get("/v1/participants?kind=group")).json()["data"]

    assert data == [group]


async def test_list_filters_by_kind(client: httpx.AsyncClient) -> None:
    person = await create_person(client)
    await create_group(client)

    data = (await client.get("/v1/participants?kind=person")).json()["data"]

    assert [p["id"] for p in data] == [person["id"]]


async def test_list_filters_by_gender(client: httpx.AsyncClient) -> None:
    await create_person(client)
    man = await create_person(client, full_name="Ahmad Sangaji", gender="male")

    data = (await client.get("/v1/participants?gender=male")).json()["data"]

    assert [p["id"] for p in data] == [man["id"]]


async def test_list_filters_by_area(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
    local = await create_person(client, area_code=SOFIFI)
    await create_person(client)

    data = (await client.get(f"/v1/participants?area_code={SOFIFI}")).json()["data"]

    assert [p["id"] for p in data] == [local["id"]]


async def test_list_filters_by_group_members(client: httpx.AsyncClient) -> None:
    member = await create_person(client)
    await create_person(client, full_name="Nurlela Abdullah")
    group = await create_group(client, member_ids=[member["id"]])

    data = (await client.get(f"/v1/participants?group_id={group['id']}")).json()["data"]

    assert [p["id"] for p in data] == [member["id"]]


async def test_list_filters_by_groups_of_a_member(client: httpx.AsyncClient) -> None:
    member = await create_person(client)
    group = await create_group(client, member_ids=[member["id"]])
    await create_group(client, name="Kelompok Tani Guraping")

    data = (await client.get(f"/v1/participants?member_id={member['id']}")).json()["data"]

    assert [p["id"] for p in data] == [group["id"]]


async def test_malformed_group_filter_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/participants?group_id=not-an-id")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "group_id"


async def test_list_filters_by_birth_year_range(client: httpx.AsyncClient) -> None:
    await create_person(client, birth_year=1970)
    middle = await create_person(client, birth_year=1986)
    await create_person(client, birth_year=2001)

    data = (await client.get("/v1/participants?birth_year_from=1980&birth_year_to=1990")).json()[
        "data"
    ]

    assert [p["id"] for p in data] == [middle["id"]]


async def test_list_filters_by_name_of_persons_and_groups(client: httpx.AsyncClient) -> None:
    person = await create_person(client, full_name="Siti Bambu")
    await create_person(client, full_name="Nurlela Abdullah")
    group = await create_group(client, name="Kelompok Anyaman Bambu")

    data = (await client.get("/v1/participants?q=bambu")).json()["data"]

    assert [p["id"] for p in data] == [person["id"], group["id"]]


async def test_name_filter_treats_wildcards_literally(client: httpx.AsyncClient) -> None:
    await create_person(client, full_name="Siti Hadija")

    data = (await client.get("/v1/participants?q=%25")).json()["data"]

    assert data == []


async def test_list_filters_by_updated_since(client: httpx.AsyncClient) -> None:
    old = await create_person(client)
    recent = await create_person(client, full_name="Nurlela Abdullah")
    changed = await client.patch(f"/v1/participants/{old['id']}", json={"gender": "female"})
    since = changed.json()["updated_at"]

    data = (await client.get("/v1/participants", params={"updated_since": since})).json()["data"]

    assert [p["id"] for p in data] == [old["id"]]
    assert recent["id"] not in [p["id"] for p in data]


async def test_list_pages_follow_each_other(client: httpx.AsyncClient) -> None:
    created = [(await create_person(client, full_name=f"Warga {n}"))["id"] for n in range(3)]

    first = await client.get("/v1/participants?limit=2")
    cursor = first.json()["next_cursor"]
    second = await client.get("/v1/participants", params={"limit": 2, "cursor": cursor})

    assert 'rel="next"' in first.headers["Link"]
    seen = [p["id"] for p in first.json()["data"] + second.json()["data"]]
    assert seen == created
    assert second.json()["next_cursor"] is None


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    for n in range(3):
        members = [
            (await create_person(client, full_name=f"Anggota {n}.{m}"))["id"] for m in range(2)
        ]
        await create_group(client, name=f"Kelompok {n}", member_ids=members)
    first_group = (await client.get("/v1/participants?kind=group&limit=1")).json()["data"][0]

    async def queries_for(limit: int) -> int:
        before = count_queries.count
        response = await client.get(
            "/v1/participants", params={"limit": limit, "updated_since": first_group["created_at"]}
        )
        assert response.status_code == 200
        assert any(p["kind"] == "group" for p in response.json()["data"])
        return count_queries.count - before

    assert await queries_for(2) == await queries_for(50)


async def test_deleting_a_participant_deletes_its_enrollments(client: httpx.AsyncClient) -> None:
    person = await create_person(client)
    program = await create_program(client)
    enrollment = await create_enrollment(client, program["id"], person["id"])

    await client.delete(f"/v1/participants/{person['id']}")

    path = f"/v1/programs/{program['id']}/enrollments"
    fetched = await client.get(f"{path}/{enrollment['id']}")
    tombstones = (await client.get(path, params={"include_deleted": "true"})).json()["data"]
    assert fetched.status_code == 404
    assert [e["id"] for e in tombstones] == [enrollment["id"]]
    assert tombstones[0]["deleted_at"] is not None
