"""OpenAPI links, so that a client or a fuzzer can chain a create (or a list) to what can then
be done with the resource: read, update, delete it, and reach what lives under it.

Derived from the paths alone: a collection `/v1/programs` whose item is
`/v1/programs/{program_id}` links its created (201) resource to every operation, and the first
item of its list to every read, whose path parameters are then all known: `program_id` from the
response, the collection's own path parameters from the request.
"""

from typing import Any

from sofifi_api.openapi_responses import METHODS, PATH_PARAMETER, item_path


def path_parameters(path: str) -> list[str]:
    return PATH_PARAMETER.findall(path)


def _properties(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The properties of `schema`, through references and over every alternative."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _properties(document, document["components"]["schemas"][name])
    properties = dict(schema.get("properties", {}))
    for alternative in (
        *schema.get("oneOf", ()),
        *schema.get("anyOf", ()),
        *schema.get("allOf", ()),
    ):
        properties.update(_properties(document, alternative))
    return properties


def _json_schema(response: dict[str, Any]) -> dict[str, Any] | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return schema if isinstance(schema, dict) else None


def _links(
    document: dict[str, Any],
    known: dict[str, str],
    needed: str,
    source: tuple[str, str],
    methods: tuple[str, ...],
) -> dict[str, Any]:
    """A link to every operation by one of `methods` that takes `needed` and no path parameter
    beyond `known`."""
    links = {}
    for path, item in document["paths"].items():
        names = path_parameters(path)
        if needed not in names or not set(names) <= known.keys():
            continue
        for method in methods:
            operation = item.get(method)
            if operation is None or (path, method) == source:
                continue
            links[operation["operationId"]] = {
                "operationId": operation["operationId"],
                "parameters": {name: known[name] for name in names},
                "description": f"`{needed}` of this resource: {operation.get('summary', '')}.",
            }
    return links


def _link_from(
    document: dict[str, Any],
    collection: str,
    method: str,
    status: str,
    pointer: str,
    methods: tuple[str, ...],
) -> None:
    """Links the response `status` of `method` on `collection`, whose resource (or first item)
    is at the JSON pointer `pointer` of the body, to the operations by `methods` on it."""
    item = item_path(document, collection)
    response = document["paths"][collection].get(method, {}).get("responses", {}).get(status)
    schema = _json_schema(response or {})
    if item is None or response is None or schema is None:
        return
    resource = _properties(document, schema)
    if pointer:
        items = resource.get(pointer.strip("/"), {}).get("items")
        if items is None:
            return
        resource = _properties(document, items)
        pointer += "/0"
    (parameter,) = path_parameters(item.removeprefix(collection))
    field = parameter if parameter in resource else "id"
    if field not in resource:
        return
    known = {name: f"$request.path.{name}" for name in path_parameters(collection)}
    known[parameter] = f"$response.body#{pointer}/{field}"
    links = _links(document, known, parameter, (collection, method), methods)
    if links:
        response["links"] = links


def document_links(document: dict[str, Any]) -> None:
    """Adds links from every create's 201 to the operations on the resource created and on
    what lives under it, and from every list's 200 to the reads of its first item."""
    for path in list(document.get("paths", {})):
        _link_from(document, path, "post", "201", "", METHODS)
        # Only reads from a list: its first item may be anything, the caller's own client
        # included, which a followed link must not change, revoke or delete.
        _link_from(document, path, "get", "200", "/data", ("get",))
