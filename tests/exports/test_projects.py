"""Infrastructure projects as a GeoJSON FeatureCollection for GIS tools and as an OC4IDS
project package."""

import json
import re
from typing import Any

import httpx
import pytest
from geojson_pydantic import Feature, FeatureCollection, LineString
from geojson_pydantic.geometries import Geometry
from tests.exports.conftest import GURAPING, Json, list_items
from tests.factories import SOFIFI

PATH = "/v1/exports/infrastructure-projects"
ProjectFeatures = FeatureCollection[Feature[Geometry, dict[str, Any]]]


async def geojson(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(PATH, params={"format": "geojson", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    document: dict[str, Any] = json.loads(response.content)
    return document


async def oc4ids(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(PATH, params={"format": "oc4ids", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    package: dict[str, Any] = json.loads(response.content)
    return package


async def test_geojson_is_a_valid_feature_collection_of_every_listed_project(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    document = await geojson(client)

    collection = ProjectFeatures.model_validate(document)
    listed = await list_items(client, "/v1/infrastructure-projects")
    assert [feature.id for feature in collection.features] == [item["id"] for item in listed]


async def test_geojson_features_carry_the_location_as_geometry_and_the_rest_as_properties(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    document = await geojson(client)

    listed = await list_items(client, "/v1/infrastructure-projects")
    assert [feature["geometry"] for feature in document["features"]] == [
        item["location"] for item in listed
    ]
    assert [feature["properties"] for feature in document["features"]] == [
        {name: value for name, value in item.items() if name != "location"} for item in listed
    ]


async def test_geojson_positions_are_longitude_then_latitude(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    document = await geojson(client, q="usaha tani")

    (feature,) = ProjectFeatures.model_validate(document).features
    assert isinstance(feature.geometry, LineString)
    longitude, latitude = feature.geometry.coordinates[0][:2]
    # Sofifi lies at 127.6° east, 0.7° north.
    assert (round(longitude), round(latitude)) == (128, 1)


async def test_geojson_takes_the_list_filters(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    document = await geojson(client, area_code=GURAPING)

    listed = await list_items(client, "/v1/infrastructure-projects", area_code=GURAPING)
    assert [feature["id"] for feature in document["features"]] == [item["id"] for item in listed]


async def test_accept_geo_json_chooses_geojson(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    response = await client.get(PATH, headers={"Accept": "application/geo+json"})

    assert response.headers["content-type"] == "application/geo+json"
    assert re.search(
        r'filename="infrastructure-projects-\d{8}T\d{6}Z\.geojson"',
        response.headers["content-disposition"],
    )


async def test_an_empty_geojson_export_is_an_empty_feature_collection(
    client: httpx.AsyncClient,
) -> None:
    document = await geojson(client)

    assert document == {"type": "FeatureCollection", "features": []}


async def test_oc4ids_is_a_project_package(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    package = await oc4ids(client)

    listed = await list_items(client, "/v1/infrastructure-projects")
    assert set(package) == {"version", "uri", "publishedDate", "publisher", "license", "projects"}
    assert package["version"] == "0.9"
    assert package["uri"].endswith("/v1/exports/infrastructure-projects?format=oc4ids")
    assert package["publisher"]["name"]
    assert package["publishedDate"] == max(item["updated_at"] for item in listed)
    assert [project["id"] for project in package["projects"]] == [item["id"] for item in listed]


async def test_an_oc4ids_project_maps_the_projects_fields(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    road = world["projects"][0]
    lead = world["organizations"][0]

    package = await oc4ids(client)

    project = package["projects"][0]
    assert project == {
        "id": road["id"],
        "updated": (await client.get(f"/v1/infrastructure-projects/{road['id']}")).json()[
            "updated_at"
        ],
        "title": road["title"],
        "status": "implementation",
        "sector": ["transport", "transport.road"],
        "period": {"startDate": "2026-04-01T00:00:00Z", "endDate": "2026-10-31T00:00:00Z"},
        "budget": {
            "amount": {"amount": 1_250_000_000, "currency": "IDR"},
            "budgetBreakdown": [
                {
                    "id": "1",
                    "description": "APBD Maluku Utara 2026",
                    "amount": {"amount": 1_000_000_000, "currency": "IDR"},
                    "sourceParty": {"id": lead["id"], "name": lead["name"]},
                },
                {
                    "id": "2",
                    "description": "Dana Desa Sofifi",
                    "amount": {"amount": 250_000_000, "currency": "IDR"},
                },
            ],
        },
        "locations": [
            {
                "id": "1",
                "geometry": road["location"],
                "gazetteer": {"scheme": "KEMENDAGRI", "identifiers": [GURAPING, SOFIFI]},
            }
        ],
        "publicAuthority": {"id": lead["id"], "name": lead["name"]},
        "parties": [
            {"id": lead["id"], "name": lead["name"], "roles": ["funder", "publicAuthority"]}
        ],
    }


async def test_an_oc4ids_project_names_a_community_implementer_as_supplier_and_funder(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    farmers = world["organizations"][2]

    package = await oc4ids(client, project_type="bridge")

    (bridge,) = package["projects"]
    assert "publicAuthority" not in bridge
    assert bridge["parties"] == [
        {"id": farmers["id"], "name": farmers["name"], "roles": ["funder", "supplier"]}
    ]


async def test_an_oc4ids_project_reports_its_completion(
    client: httpx.AsyncClient, world: dict[str, list[Json]]
) -> None:
    package = await oc4ids(client, project_type="school")

    (school,) = package["projects"]
    assert school["status"] == "completion"
    assert school["sector"] == ["education"]
    assert school["completion"] == {"endDate": "2026-03-01T00:00:00Z"}
    assert school["locations"] == [
        {"id": "1", "gazetteer": {"scheme": "KEMENDAGRI", "identifiers": [SOFIFI]}}
    ]


async def test_oc4ids_refuses_include_deleted(client: httpx.AsyncClient) -> None:
    response = await client.get(PATH, params={"format": "oc4ids", "include_deleted": "true"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "include_deleted"


@pytest.mark.parametrize("export_format", ["geojson", "oc4ids"])
async def test_only_projects_offer_geojson_and_oc4ids(
    client: httpx.AsyncClient, export_format: str
) -> None:
    response = await client.get("/v1/exports/programs", params={"format": export_format})

    assert response.status_code == 422
