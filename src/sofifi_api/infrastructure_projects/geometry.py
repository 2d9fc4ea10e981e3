"""GeoJSON geometries (RFC 7946, WGS84) for where an infrastructure project is."""

import math
from collections.abc import Iterator
from typing import Annotated, Any

from geojson_pydantic import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from pydantic import Field, PlainValidator, TypeAdapter, ValidationError, WithJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")

_AnyGeometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon
_GEOMETRY: TypeAdapter[_AnyGeometry] = TypeAdapter(
    Annotated[_AnyGeometry, Field(discriminator="type")]
)


def _invalid(reason: str) -> PydanticCustomError:
    return PydanticCustomError(
        "invalid_geojson", "Not a valid GeoJSON geometry: {reason}", {"reason": reason}
    )


def _reason(error: ErrorDetails) -> str:
    """Say what is wrong without repeating the submitted value."""
    kind, loc = error["type"], [str(part) for part in error["loc"]]
    if kind == "union_tag_not_found":
        return "it needs a `type`."
    if kind == "union_tag_invalid":
        return f"`type` must be one of {', '.join(GEOMETRY_TYPES)}."
    if "bbox" in loc:
        return "`bbox` must be [west, south, east, north] (or with altitudes) and south <= north."
    if kind == "value_error" and error["loc"][:1] in {("Polygon",), ("MultiPolygon",)}:
        return "every polygon ring must end at the position where it starts."
    if any(part.startswith("Position") for part in loc):
        return "each position must be [longitude, latitude] or [longitude, latitude, altitude]."
    path = ".".join(loc[1:]) or "geometry"
    return f"{path}: {error['msg']}."


def positions(coordinates: Any) -> Iterator[tuple[float, ...]]:
    """Every position of a coordinates array, however deeply it nests."""
    if isinstance(coordinates, tuple):
        yield coordinates
        return
    for item in coordinates:
        yield from positions(item)


def _checked_geometry(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid("it must be a JSON object with `type` and `coordinates`.")
    try:
        geometry = _GEOMETRY.validate_python(value)
    except ValidationError as exc:
        raise _invalid(_reason(exc.errors()[0])) from None
    for position in positions(geometry.coordinates):
        longitude, latitude, *altitude = position
        if not -180 <= longitude <= 180:
            raise _invalid("longitude must be between -180 and 180 (WGS84, longitude first).")
        if not -90 <= latitude <= 90:
            raise _invalid("latitude must be between -90 and 90 (WGS84, longitude first).")
        if not all(math.isfinite(value) for value in altitude):
            raise _invalid("altitude must be a finite number.")
    if geometry.bbox is not None and not all(math.isfinite(edge) for edge in geometry.bbox):
        raise _invalid("`bbox` must hold finite numbers.")
    normalized: dict[str, Any] = geometry.model_dump(mode="json")
    return normalized


# One flat schema in the OpenAPI document instead of the library's six undocumented models.
_JSON_SCHEMA = {
    "type": "object",
    "title": "GeoJSON geometry",
    "description": "An RFC 7946 geometry in WGS84: `Point`, `MultiPoint`, `LineString`, "
    "`MultiLineString`, `Polygon` or `MultiPolygon`. Positions are [longitude, latitude] "
    "(optionally with altitude); polygon rings are closed.",
    "properties": {
        "type": {
            "type": "string",
            "enum": list(GEOMETRY_TYPES),
            "description": "The geometry type.",
            "examples": ["LineString"],
        },
        "coordinates": {
            "type": "array",
            "items": {},
            "description": "Positions nested as the type requires: one position for a Point, "
            "a list of positions for a LineString, a list of closed rings for a Polygon.",
            "examples": [[[127.5781, 0.7208], [127.5822, 0.7251]]],
        },
        "bbox": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 4,
            "maxItems": 6,
            "description": "Optional bounding box: [west, south, east, north].",
            "examples": [[127.5781, 0.7208, 127.5869, 0.7297]],
        },
    },
    "required": ["type", "coordinates"],
}

Geometry = Annotated[
    dict[str, Any], PlainValidator(_checked_geometry), WithJsonSchema(_JSON_SCHEMA)
]
"""A Point, LineString (e.g. a road's centre line), Polygon or their Multi* forms, in WGS84
longitude/latitude degrees; validated by geojson-pydantic, range-checked, kept as plain JSON."""
