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


def _numbers_only(value: Any) -> bool:
    """Whether every leaf of nested lists is a number: the library would take `true` or `"1.5"`
    for a coordinate."""
    if isinstance(value, list):
        return all(_numbers_only(item) for item in value)
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _checked_geometry(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid("it must be a JSON object with `type` and `coordinates`.")
    if not _numbers_only(value.get("coordinates")) or not _numbers_only(value.get("bbox")):
        raise _invalid("coordinates and `bbox` must hold JSON numbers only.")
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


_POSITION: dict[str, Any] = {
    "type": "array",
    "description": "[longitude, latitude] in WGS84 degrees, optionally with altitude in metres.",
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180},
        {"type": "number", "minimum": -90, "maximum": 90},
        {"type": "number"},
    ],
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 3,
}


def _list_of(items: dict[str, Any], min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": items} | ({"minItems": min_items} if min_items else {})


_LINE = _list_of(_POSITION, 2)
_RING = _list_of(_POSITION, 4) | {"description": "A closed ring: its last position is its first."}
_COORDINATES = {
    "Point": _POSITION,
    "MultiPoint": _list_of(_POSITION),
    "LineString": _LINE,
    "MultiLineString": _list_of(_LINE),
    "Polygon": _list_of(_RING),
    "MultiPolygon": _list_of(_list_of(_RING)),
}
_EXAMPLES: dict[str, Any] = {
    "Point": [127.58056, 0.72444],
    "LineString": [[127.5781, 0.7208], [127.5822, 0.7251]],
}
_BBOX = {
    "type": "array",
    "items": {"type": "number"},
    "minItems": 4,
    "maxItems": 6,
    "description": "Optional bounding box: [west, south, east, north] (or with altitudes).",
    "examples": [[127.5781, 0.7208, 127.5869, 0.7297]],
}


def _geometry_schema(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "title": kind,
        "properties": {
            "type": {"type": "string", "enum": [kind], "description": "The geometry type."},
            "coordinates": _COORDINATES[kind]
            | {"examples": [_EXAMPLES.get(kind, _EXAMPLES["LineString"])]},
            "bbox": _BBOX,
        },
        "required": ["type", "coordinates"],
    }


# One schema per geometry type in the OpenAPI document, each with its coordinates nested as the
# type requires, instead of the library's six undocumented models.
_JSON_SCHEMA = {
    "title": "GeoJSON geometry",
    "description": "An RFC 7946 geometry in WGS84: `Point`, `MultiPoint`, `LineString`, "
    "`MultiLineString`, `Polygon` or `MultiPolygon`. Positions are [longitude, latitude] "
    "(optionally with altitude); polygon rings are closed.",
    "oneOf": [_geometry_schema(kind) for kind in GEOMETRY_TYPES],
    "examples": [{"type": "Point", "coordinates": _EXAMPLES["Point"]}],
}

Geometry = Annotated[
    dict[str, Any], PlainValidator(_checked_geometry), WithJsonSchema(_JSON_SCHEMA)
]
"""A Point, LineString (e.g. a road's centre line), Polygon or their Multi* forms, in WGS84
longitude/latitude degrees; validated by geojson-pydantic, range-checked, kept as plain JSON."""
