"""A client grants only what it holds, within its own areas, and never widens itself.

The admin below is bound to Oba Utara (82.72.02): Sofifi lies inside it; Kota Tidore (82.72),
the regency above it, and Kota Ternate (82.71) do not.
"""

import uuid
from typing import Any

import httpx
import pytest

from sofifi_api.auth.principal import Principal
from sofifi_api.clients.grants import GrantExceedsOwn, refuse_create_beyond_own
from tests.conftest import ClientFactory
from tests.factories import OBA_UTARA, SOFIFI, create_reference_areas

TERNATE = "82.71"
TIDORE = "82.72"
GRANT_EXCEEDS_OWN = "/problems/grant-exceeds-own"
AREA_ADMIN = "Admin Oba Utara"
Json = dict[str, Any]


@pytest.fixture
async def areas(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)
    body = {"code": TERNATE, "name": "Kota Ternate", "level": "regency", "parent_code": "82"}
    assert (await client.post("/v1/areas", json=body)).status_code == 201


@pytest.fixture
async def area_admin(make_client: ClientFactory, areas: None) -> httpx.AsyncClient:
    return await make_client("admin", area_codes=[OBA_UTARA], name=AREA_ADMIN)


async def create(admin: httpx.AsyncClient, **fields: Any) -> Json:
    response = await admin.post("/v1/clients", json={"name": "Mitra", "scopes": ["admin"]} | fields)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


async def own_id(area_admin: httpx.AsyncClient) -> str:
    listed = (await area_admin.get("/v1/clients")).json()["data"]
    return next(str(item["id"]) for item in listed if item["name"] == AREA_ADMIN)


def assert_grant_refused(response: httpx.Response, *fields: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["type"] == GRANT_EXCEEDS_OWN
    assert [error["field"] for error in body["errors"]] == list(fields)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_area_bound_admin_cannot_create_a_client_for_every_area(
    area_admin: httpx.AsyncClient,
) -> None:
    response = await area_admin.post("/v1/clients", json={"name": "Pusat", "scopes": ["admin"]})

    assert_grant_refused(response, "area_codes")


async def test_area_bound_admin_cannot_grant_an_area_outside_its_own(
    area_admin: httpx.AsyncClient,
) -> None:
    response = await area_admin.post(
        "/v1/clients", json={"name": "Mitra", "scopes": ["admin"], "area_codes": [SOFIFI, TERNATE]}
    )

    assert_grant_refused(response, "area_codes.1")
    assert TERNATE not in response.text


async def test_area_bound_admin_may_grant_any_scope_within_its_areas(
    area_admin: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(area_admin, scopes=["admin", "participants:pii"], area_codes=[SOFIFI])

    reads = await anonymous_client.get("/v1/clients", headers=bearer(created["api_key"]))

    assert created["area_codes"] == [SOFIFI]
    assert reads.status_code == 200


async def test_area_bound_admin_cannot_move_a_client_outside_its_areas(
    area_admin: httpx.AsyncClient,
) -> None:
    created = await create(area_admin, area_codes=[SOFIFI])

    emptied = await area_admin.patch(f"/v1/clients/{created['id']}", json={"area_codes": []})
    moved = await area_admin.patch(f"/v1/clients/{created['id']}", json={"area_codes": [TERNATE]})

    assert_grant_refused(emptied, "area_codes")
    assert_grant_refused(moved, "area_codes.0")
    shown = await area_admin.get(f"/v1/clients/{created['id']}")
    assert shown.json()["area_codes"] == [SOFIFI]


@pytest.mark.parametrize("area_codes", [[], [TIDORE], [OBA_UTARA, TERNATE]])
async def test_area_bound_admin_cannot_widen_its_own_areas(
    area_admin: httpx.AsyncClient, client: httpx.AsyncClient, area_codes: list[str]
) -> None:
    own = await own_id(area_admin)

    response = await area_admin.patch(f"/v1/clients/{own}", json={"area_codes": area_codes})

    assert response.status_code == 403
    assert response.json()["type"] == GRANT_EXCEEDS_OWN
    assert (await client.get(f"/v1/clients/{own}")).json()["area_codes"] == [OBA_UTARA]


async def test_area_bound_admin_may_narrow_its_own_areas(area_admin: httpx.AsyncClient) -> None:
    own = await own_id(area_admin)

    response = await area_admin.patch(f"/v1/clients/{own}", json={"area_codes": [SOFIFI]})

    assert response.status_code == 200
    assert response.json()["area_codes"] == [SOFIFI]


async def test_a_client_cannot_raise_its_own_rate_limit(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client, rate_limit_per_minute=100)
    own = bearer(created["api_key"])
    path = f"/v1/clients/{created['id']}"

    raised = await anonymous_client.patch(path, json={"rate_limit_per_minute": 101}, headers=own)
    to_default = await anonymous_client.patch(
        path, json={"rate_limit_per_minute": None}, headers=own
    )
    lowered = await anonymous_client.patch(path, json={"rate_limit_per_minute": 50}, headers=own)

    assert_grant_refused(raised, "rate_limit_per_minute")
    assert_grant_refused(to_default, "rate_limit_per_minute")
    assert lowered.status_code == 200
    assert lowered.json()["rate_limit_per_minute"] == 50


async def test_another_admin_may_raise_a_clients_rate_limit(client: httpx.AsyncClient) -> None:
    created = await create(client, rate_limit_per_minute=100)

    response = await client.patch(
        f"/v1/clients/{created['id']}", json={"rate_limit_per_minute": 1000}
    )

    assert response.status_code == 200


async def test_a_client_cannot_extend_or_clear_its_own_expiry(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client, expires_at="2030-01-01T00:00:00Z")
    own = bearer(created["api_key"])
    path = f"/v1/clients/{created['id']}"

    extended = await anonymous_client.patch(
        path, json={"expires_at": "2031-01-01T00:00:00Z"}, headers=own
    )
    cleared = await anonymous_client.patch(path, json={"expires_at": None}, headers=own)
    shortened = await anonymous_client.patch(
        path, json={"expires_at": "2029-01-01T00:00:00Z"}, headers=own
    )

    assert_grant_refused(extended, "expires_at")
    assert_grant_refused(cleared, "expires_at")
    assert shortened.status_code == 200


async def test_area_bound_admin_lists_only_clients_within_its_areas(
    area_admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    inside = await create(client, name="Sofifi", area_codes=[SOFIFI])
    await create(client, name="Ternate", area_codes=[TERNATE])
    await create(client, name="Sofifi dan Ternate", area_codes=[SOFIFI, TERNATE])
    await create(client, name="Provinsi")

    listed = (await area_admin.get("/v1/clients", params={"limit": 1})).json()
    names = [item["name"] for item in listed["data"]]
    while listed["next_cursor"]:
        listed = (
            await area_admin.get(
                "/v1/clients", params={"limit": 1, "cursor": listed["next_cursor"]}
            )
        ).json()
        names += [item["name"] for item in listed["data"]]

    assert sorted(names) == sorted([AREA_ADMIN, inside["name"]])


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "Diubah"}),
        ("POST", "/keys", {"grace_seconds": 0}),
        ("POST", "/revoke", None),
    ],
)
@pytest.mark.parametrize("area_codes", [[], [TERNATE], [SOFIFI, TERNATE]])
async def test_clients_outside_its_areas_are_missing_for_an_area_bound_admin(
    area_admin: httpx.AsyncClient,
    client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    method: str,
    suffix: str,
    body: Json | None,
    area_codes: list[str],
) -> None:
    other = await create(client, area_codes=area_codes)

    response = await area_admin.request(method, f"/v1/clients/{other['id']}{suffix}", json=body)

    assert response.status_code == 404
    still = await anonymous_client.get("/v1/clients", headers=bearer(other["api_key"]))
    assert still.status_code == 200
    assert (await client.get(f"/v1/clients/{other['id']}")).json()["name"] == "Mitra"


def test_a_token_narrowed_to_fewer_scopes_grants_only_those() -> None:
    narrowed = Principal(
        client_id=uuid.uuid4(),
        name="Bappeda",
        scopes=frozenset({"programs:read", "programs:write"}),
        area_codes=(),
        credential="access_token",
    )

    with pytest.raises(GrantExceedsOwn) as refused:
        refuse_create_beyond_own(narrowed, scopes=["programs:read", "feedback:read"], area_codes=[])

    assert [error.field for error in refused.value.errors or []] == ["scopes.1"]
