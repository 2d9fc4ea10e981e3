"""Checks a JSON value against a schema of the service's OpenAPI document, as a generated client
would read it: types, `const`, `enum`, required properties, no property the schema does not
declare (when it declares any), and one branch of each `oneOf` (chosen by its discriminator
when it has one). Formats and bounds are not checked."""

from typing import Any

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    """The JSON schema the document gives for one response of one operation."""
    response = document["paths"][path][method]["responses"][status]
    return response["content"]["application/json"]["schema"]


def mismatches(
    document: dict[str, Any], schema: dict[str, Any], value: Any, at: str = ""
) -> list[str]:
    """Where `value` does not fit `schema` (an empty list when it does)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return mismatches(document, document["components"]["schemas"][name], value, at)
    if "anyOf" in schema:
        tries = [mismatches(document, branch, value, at) for branch in schema["anyOf"]]
        return [] if any(not found for found in tries) else [f"{at}: fits no branch of anyOf"]
    if "oneOf" in schema:
        return _one_of(document, schema, value, at)
    if "const" in schema and value != schema["const"]:
        return [f"{at}: is not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: is not one of {schema['enum']}"]
    expected = schema.get("type")
    if expected is not None:
        kinds = expected if isinstance(expected, list) else [expected]
        python_types = tuple(t for kind in kinds for t in JSON_TYPES[kind])
        if not isinstance(value, python_types) or (
            isinstance(value, bool) and bool not in python_types
        ):
            return [f"{at}: is not of type {expected}"]
    if isinstance(value, dict):
        return _object(document, schema, value, at)
    if isinstance(value, list) and "items" in schema:
        return [
            found
            for index, item in enumerate(value)
            for found in mismatches(document, schema["items"], item, f"{at}.{index}")
        ]
    return []


def _one_of(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str) -> list[str]:
    discriminator = schema.get("discriminator")
    if discriminator is not None and isinstance(value, dict):
        tag = value.get(discriminator["propertyName"])
        if tag not in discriminator["mapping"]:
            return [f"{at}: {discriminator['propertyName']}={tag!r} is not in the mapping"]
        return mismatches(document, {"$ref": discriminator["mapping"][tag]}, value, at)
    fitting = [b for b in schema["oneOf"] if not mismatches(document, b, value, at)]
    return [] if len(fitting) == 1 else [f"{at}: fits {len(fitting)} branches of oneOf"]


def _object(
    document: dict[str, Any], schema: dict[str, Any], value: dict[str, Any], at: str
) -> list[str]:
    properties: dict[str, Any] = schema.get("properties", {})
    found = [f"{at}.{name}: missing" for name in schema.get("required", []) if name not in value]
    if schema.get("additionalProperties") is False or properties:
        found += [f"{at}.{name}: not in the schema" for name in value if name not in properties]
    for name, item in value.items():
        if name in properties:
            found += mismatches(document, properties[name], item, f"{at}.{name}")
    return found
