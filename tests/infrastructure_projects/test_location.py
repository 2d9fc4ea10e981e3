"""`location` must be a GeoJSON geometry in WGS84; anything else is refused naming the field."""

from typing import Any

import httpx
import pytest

from tests.factories import create_project

PROJECTS = "/v1/infrastructure-projects"
ROAD = {
    "type": "LineString",
    "coordinates": [[127.5781, 0.7208], [127.5822, 0.7251], [127.5869, 0.7297]],
}
SITE = {
    "type": "Polygon",
    "coordinates": [
        [[127.579, 0.723], [127.581, 0.723], [127.581, 0.725], [127.579, 0.725], [127.579, 0.723]]
    ],
}


def project_at(location: Any) -> dict[str, Any]:
    return {
        "title": "Jalan usaha tani Sofifi",
        "project_type": "road",
        "status": "preparation",
        "location": location,
    }


@pytest.mark.parametrize(
    "location",
    [
        {"type": "Point", "coordinates": [127.58056, 0.72444]},
        {"type": "Point", "coordinates": [127.58056, 0.72444, 12.5]},
        ROAD,
        SITE,
        {"type": "MultiPoint", "coordinates": [[127.58, 0.72], [127.59, 0.73]]},
        {"type": "MultiLineString", "coordinates": [ROAD["coordinates"]]},
        {"type": "MultiPolygon", "coordinates": [SITE["coordinates"]]},
        {"type": "Point", "coordinates": [-180, -90]},
    ],
    ids=[
        "point",
        "point-with-altitude",
        "road",
        "site",
        "multipoint",
        "multiline",
        "multipolygon",
        "corner",
    ],
)
async def test_valid_geometry_is_stored_as_sent(
    client: httpx.AsyncClient, location: dict[str, Any]
) -> None:
    response = await client.post(PROJECTS, json=project_at(location))

    assert response.status_code == 201, response.text
    assert response.json()["location"] == location


async def test_location_is_optional(client: httpx.AsyncClient) -> None:
    response = await client.post(PROJECTS, json=project_at(None))

    assert response.status_code == 201
    assert response.json()["location"] is None


@pytest.mark.parametrize(
    "location",
    [
        {"type": "Circle", "coordinates": [127.58, 0.72]},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [127.58, 0.72]}},
        {
            "type": "GeometryCollection",
            "geometries": [{"type": "Point", "coordinates": [127.58, 0.72]}],
        },
        {"coordinates": [127.58, 0.72]},
        {"type": "Point"},
        {"type": "Point", "coordinates": [127.58]},
        {"type": "Point", "coordinates": ["127.58 E", 0.72]},
        {"type": "Point", "coordinates": [True, 0.72]},
        {"type": "Point", "coordinates": ["127.58", 0.72]},
        {"type": "Point", "coordinates": [127.58, 0.72], "bbox": [True, 0, 1, 1]},
        {"type": "LineString", "coordinates": [[127.58, 0.72]]},
        {
            "type": "Polygon",
            "coordinates": [
                [[127.579, 0.723], [127.581, 0.723], [127.581, 0.725], [127.579, 0.725]]
            ],
        },
        {
            "type": "Polygon",
            "coordinates": [[[127.579, 0.723], [127.581, 0.723], [127.579, 0.723]]],
        },
        {"type": "Point", "coordinates": [181, 0.72]},
        {"type": "Point", "coordinates": [127.58, -90.5]},
        {"type": "LineString", "coordinates": [[127.58, 0.72], [0.72, 427.58]]},
        {"type": "Point", "coordinates": [127.58, 0.72], "bbox": [1, 5, 2, 4]},
        "POINT (127.58 0.72)",
        [127.58, 0.72],
        42,
    ],
    ids=[
        "unknown-type",
        "feature-not-geometry",
        "geometry-collection",
        "no-type",
        "no-coordinates",
        "one-number-position",
        "text-coordinate",
        "boolean-coordinate",
        "numeric-text-coordinate",
        "boolean-in-bbox",
        "one-point-line",
        "unclosed-ring",
        "ring-too-short",
        "longitude-out-of-range",
        "latitude-out-of-range",
        "latitude-first-swapped",
        "bbox-south-above-north",
        "wkt-string",
        "bare-array",
        "number",
    ],
)
async def test_invalid_geojson_is_422_naming_location(
    client: httpx.AsyncClient, location: Any
) -> None:
    response = await client.post(PROJECTS, json=project_at(location))

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["location"]
    assert errors[0]["code"] == "invalid_geojson"


async def test_unclosed_ring_error_says_why(client: httpx.AsyncClient) -> None:
    ring = [[127.579, 0.723], [127.581, 0.723], [127.581, 0.725], [127.579, 0.725]]

    response = await client.post(
        PROJECTS, json=project_at({"type": "Polygon", "coordinates": [ring]})
    )

    assert (
        "ring must end at the position where it starts" in response.json()["errors"][0]["message"]
    )


async def test_error_message_does_not_echo_the_submitted_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PROJECTS, json=project_at({"type": "Rahasia", "coordinates": [127.58, 0.72]})
    )

    assert "Rahasia" not in response.text


async def test_invalid_location_in_patch_is_422_and_keeps_the_old_one(
    client: httpx.AsyncClient,
) -> None:
    created = await create_project(client)

    response = await client.patch(
        f"{PROJECTS}/{created['id']}", json={"location": {"type": "Point", "coordinates": [200, 0]}}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location"
    fetched = (await client.get(f"{PROJECTS}/{created['id']}")).json()
    assert fetched["location"] == created["location"]


async def test_patch_moves_location_to_a_road_line(client: httpx.AsyncClient) -> None:
    created = await create_project(client)

    response = await client.patch(f"{PROJECTS}/{created['id']}", json={"location": ROAD})

    assert response.status_code == 200
    assert response.json()["location"] == ROAD


# How deeply each geometry type nests its positions.
POSITION_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}


async def test_documented_coordinates_nest_numbers_as_each_type_requires(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    create = document["components"]["schemas"]["InfrastructureProjectCreate"]
    (geometry,) = [s for s in create["properties"]["location"]["anyOf"] if "oneOf" in s]
    found = {}
    for branch in geometry["oneOf"]:
        (kind,) = branch["properties"]["type"]["enum"]
        schema, depth = branch["properties"]["coordinates"], 0
        while schema["items"]["type"] == "array":
            schema, depth = schema["items"], depth + 1
        found[kind] = (depth, schema["items"]["type"], schema["minItems"], schema["maxItems"])

    assert found == {kind: (depth, "number", 2, 3) for kind, depth in POSITION_DEPTH.items()}
