"""A NIK another person holds: 409 only for a client that may see that person; others are
answered as for an unknown NIK, and the new person is flagged for review."""

from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.participants.persons import possible_duplicates
from tests.conftest import ClientFactory
from tests.factories import OBA_UTARA, SOFIFI, create_person
from tests.participants.conftest import NIK, OTHER_NIK, TERNATE

THIRD_NIK = "8272026112880003"
# What differs between any two created persons, whatever their NIK.
_OWN = ("id", "created_at", "updated_at")

pytestmark = pytest.mark.usefixtures("areas")


def shape(response: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    """Status, content type and body, less what makes each person its own."""
    body = {name: value for name, value in response.json().items() if name not in _OWN}
    return response.status_code, response.headers["content-type"], body


async def register(http: httpx.AsyncClient, nik: str, **fields: Any) -> httpx.Response:
    body = {"kind": "person", "full_name": "Siti Hadija", "nik": nik, "area_code": SOFIFI}
    return await http.post("/v1/participants", json=body | fields)


@pytest.fixture
async def holder_in_ternate(client: httpx.AsyncClient) -> dict[str, Any]:
    """A person holding NIK, outside Oba Utara."""
    return await create_person(client, nik=NIK, area_code=TERNATE)


@pytest.fixture
async def holder_in_sofifi(client: httpx.AsyncClient) -> dict[str, Any]:
    """A person holding NIK, inside Oba Utara."""
    return await create_person(client, nik=NIK, area_code=SOFIFI)


async def test_nik_held_outside_the_client_areas_is_answered_as_an_unknown_nik(
    make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])

    known = await register(survey_app, NIK)
    unknown = await register(survey_app, OTHER_NIK)

    assert known.status_code == 201
    assert shape(known) == shape(unknown)


async def test_nik_held_inside_the_areas_of_a_client_without_pii_is_answered_as_unknown(
    make_client: ClientFactory, holder_in_sofifi: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])

    known = await register(survey_app, NIK)
    unknown = await register(survey_app, OTHER_NIK)

    assert shape(known) == shape(unknown)


async def test_pii_client_outside_the_holder_areas_is_answered_as_for_an_unknown_nik(
    make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    registrar = await make_client("participants:write", "participants:pii", area_codes=[OBA_UTARA])

    known = await register(registrar, NIK)
    unknown = await register(registrar, OTHER_NIK)

    assert known.status_code == 201
    status, content_type, body = shape(known)
    assert (status, content_type) == shape(unknown)[:2]
    assert body | {"nik": OTHER_NIK} == shape(unknown)[2]


async def test_pii_client_covering_the_holder_gets_409(
    make_client: ClientFactory, holder_in_sofifi: dict[str, Any]
) -> None:
    registrar = await make_client("participants:write", "participants:pii", area_codes=[OBA_UTARA])

    response = await register(registrar, NIK)

    assert response.status_code == 409
    assert NIK not in response.text


async def test_accepted_duplicate_is_flagged_for_unrestricted_pii_clients(
    client: httpx.AsyncClient, make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    created = (await register(survey_app, NIK)).json()

    flagged = (await client.get(f"/v1/participants/{created['id']}")).json()
    holder = (await client.get(f"/v1/participants/{holder_in_ternate['id']}")).json()

    assert flagged["possible_duplicate_of"] == holder_in_ternate["id"]
    assert holder["possible_duplicate_of"] is None


async def test_flag_is_hidden_from_area_bound_pii_clients(
    make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    created = (await register(survey_app, NIK)).json()
    reader = await make_client("participants:read", "participants:pii", area_codes=[OBA_UTARA])

    body = (await reader.get(f"/v1/participants/{created['id']}")).json()

    assert body["nik"] == NIK
    assert body["possible_duplicate_of"] is None


async def test_patch_to_a_nik_held_outside_the_client_areas_is_answered_as_a_free_nik(
    make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    first = (await register(survey_app, OTHER_NIK)).json()
    second = (await register(survey_app, THIRD_NIK, full_name="Nurlela Abdullah")).json()

    to_held = await survey_app.patch(f"/v1/participants/{first['id']}", json={"nik": NIK})
    to_free = await survey_app.patch(
        f"/v1/participants/{second['id']}", json={"nik": "8272020101900004"}
    )

    assert to_held.status_code == 200
    assert shape(to_held)[:2] == shape(to_free)[:2]
    assert to_held.json().keys() == to_free.json().keys()


async def test_patch_to_a_nik_held_elsewhere_flags_the_person(
    client: httpx.AsyncClient, make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    created = (await register(survey_app, OTHER_NIK)).json()

    await survey_app.patch(f"/v1/participants/{created['id']}", json={"nik": NIK})

    flagged = (await client.get(f"/v1/participants/{created['id']}")).json()
    assert flagged["possible_duplicate_of"] == holder_in_ternate["id"]


async def test_correcting_the_nik_of_a_flagged_person_clears_the_flag(
    client: httpx.AsyncClient, make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    created = (await register(survey_app, NIK)).json()

    await survey_app.patch(f"/v1/participants/{created['id']}", json={"nik": OTHER_NIK})

    corrected = (await client.get(f"/v1/participants/{created['id']}")).json()
    assert corrected["possible_duplicate_of"] is None


async def test_pii_client_covering_the_holder_gets_409_on_patch(
    make_client: ClientFactory, holder_in_sofifi: dict[str, Any]
) -> None:
    registrar = await make_client("participants:write", "participants:pii", area_codes=[OBA_UTARA])
    created = (await register(registrar, OTHER_NIK)).json()

    response = await registrar.patch(f"/v1/participants/{created['id']}", json={"nik": NIK})

    assert response.status_code == 409
    assert NIK not in response.text


async def test_lookup_finds_the_holder_in_the_client_areas(
    make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    created = (await register(survey_app, NIK)).json()
    reader = await make_client("participants:read", "participants:pii", area_codes=[OBA_UTARA])

    response = await reader.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]


async def test_unrestricted_lookup_finds_the_first_holder(
    client: httpx.AsyncClient, make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    await register(survey_app, NIK)

    response = await client.post("/v1/participants/lookup", json={"nik": NIK})

    assert response.json()["id"] == holder_in_ternate["id"]


async def test_lists_carry_no_flag(
    client: httpx.AsyncClient, make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    await register(survey_app, NIK)

    listed = (await client.get("/v1/participants")).json()["data"]

    assert all("possible_duplicate_of" not in person for person in listed)


async def test_operators_list_possible_duplicates(
    session: AsyncSession, make_client: ClientFactory, holder_in_ternate: dict[str, Any]
) -> None:
    survey_app = await make_client("participants:write", area_codes=[OBA_UTARA])
    created = (await register(survey_app, NIK)).json()

    pairs = await possible_duplicates(session)

    assert [(str(p.participant_id), str(p.duplicate_of)) for p in pairs] == [
        (created["id"], holder_in_ternate["id"])
    ]
