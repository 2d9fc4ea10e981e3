"""Organizations and areas are reference data every client reads; a client bound to areas
writes only those within them."""

import httpx
import pytest

from tests.area_restriction.conftest import (
    GURAPING,
    SOASIO,
    TERNATE,
    TIDORE,
    assert_fields_out_of_scope,
    assert_out_of_scope,
    ids,
)
from tests.factories import OBA_UTARA, SOFIFI, create_organization

ORGANIZATION = {"name": "Koperasi Wanita Sofifi", "kind": "community"}


async def test_every_organization_is_listed_to_a_restricted_client(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient
) -> None:
    placed = [
        (await create_organization(client, area_code=code))["id"] for code in (SOFIFI, SOASIO, None)
    ]

    assert ids(await district_partner.get("/v1/organizations")) == placed


async def test_organization_elsewhere_can_be_fetched(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, areas: None
) -> None:
    organization = await create_organization(client, area_code=SOASIO)

    response = await district_partner.get(f"/v1/organizations/{organization['id']}")

    assert response.status_code == 200


async def test_organization_in_a_covered_area_can_be_created_changed_and_deleted(
    district_partner: httpx.AsyncClient,
) -> None:
    organization = await create_organization(district_partner, area_code=SOFIFI)
    path = f"/v1/organizations/{organization['id']}"

    assert (await district_partner.patch(path, json={"area_code": GURAPING})).status_code == 200
    assert (await district_partner.delete(path)).status_code == 204


async def test_organization_in_an_uncovered_area_cannot_be_created(
    district_partner: httpx.AsyncClient,
) -> None:
    response = await district_partner.post(
        "/v1/organizations", json=ORGANIZATION | {"area_code": SOASIO}
    )

    assert_fields_out_of_scope(response, "area_code")
    assert SOASIO not in response.text


async def test_organization_without_an_area_cannot_be_created_by_a_restricted_client(
    district_partner: httpx.AsyncClient,
) -> None:
    response = await district_partner.post("/v1/organizations", json=ORGANIZATION)

    assert_fields_out_of_scope(response, "area_code")


@pytest.mark.parametrize("code", [SOASIO, None])
async def test_organization_based_outside_the_areas_cannot_be_changed_or_deleted(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, areas: None, code: str | None
) -> None:
    organization = await create_organization(client, area_code=code)
    path = f"/v1/organizations/{organization['id']}"

    patched = await district_partner.patch(path, json={"name": "Diubah"})
    deleted = await district_partner.delete(path)

    assert patched.status_code == 403
    assert deleted.status_code == 403
    assert (await client.get(path)).json()["name"] == organization["name"]


@pytest.mark.parametrize("code", [SOASIO, None])
async def test_organization_cannot_be_moved_out_of_the_areas(
    district_partner: httpx.AsyncClient, code: str | None
) -> None:
    organization = await create_organization(district_partner, area_code=SOFIFI)

    response = await district_partner.patch(
        f"/v1/organizations/{organization['id']}", json={"area_code": code}
    )

    assert response.status_code == 403


async def test_unrestricted_client_writes_organizations_anywhere(
    unrestricted_partner: httpx.AsyncClient,
) -> None:
    organization = await create_organization(unrestricted_partner)
    path = f"/v1/organizations/{organization['id']}"

    assert (await unrestricted_partner.patch(path, json={"area_code": SOASIO})).status_code == 200


async def test_every_area_is_listed_to_a_restricted_client(
    district_partner: httpx.AsyncClient,
) -> None:
    response = await district_partner.get("/v1/areas", params={"limit": 500})

    assert {SOASIO, TERNATE, TIDORE, SOFIFI} <= {area["code"] for area in response.json()["data"]}


async def test_area_elsewhere_can_be_fetched(district_partner: httpx.AsyncClient) -> None:
    assert (await district_partner.get(f"/v1/areas/{SOASIO}")).status_code == 200


async def test_area_within_the_scope_can_be_created_changed_and_deleted(
    district_partner: httpx.AsyncClient,
) -> None:
    body = {"code": "82.72.02-kaiyasa", "name": "Kaiyasa", "level": "village"}
    created = await district_partner.post(
        "/v1/areas", json=body | {"parent_code": OBA_UTARA, "is_official": False}
    )
    path = "/v1/areas/82.72.02-kaiyasa"

    assert created.status_code == 201
    assert (await district_partner.patch(path, json={"name": "Kaiyasa Baru"})).status_code == 200
    assert (await district_partner.delete(path)).status_code == 204


async def test_area_outside_the_scope_cannot_be_created(
    district_partner: httpx.AsyncClient,
) -> None:
    response = await district_partner.post(
        "/v1/areas",
        json={
            "code": "82.72.01.1002",
            "name": "Gurabunga",
            "level": "village",
            "parent_code": TIDORE,
        },
    )

    assert_fields_out_of_scope(response, "code")
    assert "82.72.01.1002" not in response.text


@pytest.mark.parametrize("code", [SOASIO, TIDORE, "82.72"])
async def test_area_outside_the_scope_cannot_be_changed_or_deleted(
    client: httpx.AsyncClient, district_partner: httpx.AsyncClient, code: str
) -> None:
    patched = await district_partner.patch(f"/v1/areas/{code}", json={"name": "Diubah"})
    deleted = await district_partner.delete(f"/v1/areas/{code}")

    assert_out_of_scope(patched, code)
    assert_out_of_scope(deleted, code)
    assert (await client.get(f"/v1/areas/{code}")).json()["name"] != "Diubah"


async def test_unrestricted_client_writes_areas_anywhere(
    unrestricted_partner: httpx.AsyncClient,
) -> None:
    response = await unrestricted_partner.patch(f"/v1/areas/{SOASIO}", json={"name": "Soa Sio"})

    assert response.status_code == 200
