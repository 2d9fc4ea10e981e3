"""Request bodies take JSON's own types, as the OpenAPI document declares them: an integer field
refuses `true` and `"5"`, a number field `true` and `"1.5"`, a boolean `1` and `"true"`, a date
anything but `YYYY-MM-DD` and an instant anything but RFC 3339 with an offset. Pydantic's lax
mode would take each of them. Walks every field of every model an operation reads its body into,
nested ones included."""

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ValidationError

from sofifi_api.main import create_app

WRONG: dict[str, list[Any]] = {
    # 5.0 too: an integer is written as one (JSON Schema would count it; a float it stays).
    "integer": [True, False, "5", 5.0],
    "number": [True, "1.5"],
    "boolean": [1, 0, "true"],
    "date": ["2026-01-01T00:00:00", "2026-01-01T00:00:00Z", 20000, "20260101"],
    "date-time": [1999999999, 0.5, "1999999999", "2026-01-01T00:00:00"],
}
Json = dict[str, Any]


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _models(get_args(annotation)[0])
    elif origin in (Union, types.UnionType, list):
        for argument in get_args(annotation):
            yield from _models(argument)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation


def _body_models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.body_field is not None:
            for model in _models(route.body_field.field_info.annotation):
                found[model.__name__] = model
    return sorted(found.values(), key=lambda model: model.__name__)


def _kind(schema: Json) -> str | None:
    kinds = {s.get("format") or s.get("type") for s in schema.get("anyOf", [schema])}
    for kind in ("date-time", "date", "integer", "number", "boolean"):
        if kind in kinds:
            # `integer | number` (a survey question's bounds) is a number.
            return "number" if kind == "integer" and "number" in kinds else kind
    return None


def _typed_fields(schema: Json, definitions: Json, path: tuple[str | int, ...]) -> Iterator[Any]:
    """(path, kind) of every typed field under `schema`, through objects and arrays."""
    if "$ref" in schema:
        yield from _typed_fields(definitions[schema["$ref"].split("/")[-1]], definitions, path)
        return
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        yield from _typed_fields(branch, definitions, path)
    if "items" in schema:
        yield from _typed_fields(schema["items"], definitions, (*path, 0))
    for name, field in schema.get("properties", {}).items():
        kind = _kind(field)
        if kind is not None:
            yield (*path, name), kind
        yield from _typed_fields(field, definitions, (*path, name))


def _cases() -> list[tuple[type[BaseModel], tuple[str | int, ...], str]]:
    cases = []
    for model in _body_models():
        schema = model.model_json_schema()
        for path, kind in dict(_typed_fields(schema, schema.get("$defs", {}), ())).items():
            cases.append((model, path, kind))
    return cases


CASES = _cases()


def _nested(path: tuple[str | int, ...], value: Any) -> Any:
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def test_typed_fields_are_found() -> None:
    found = {(model.__name__, path, kind) for model, path, kind in CASES}

    assert ("FeedbackCreate", ("rating",), "integer") in found
    assert ("ConsultationCreate", ("held_on",), "date") in found
    assert ("InfrastructureProjectCreate", ("funding_sources", 0, "amount_idr"), "integer") in found
    assert ("ContributionUpdate", ("person_days",), "number") in found
    assert ("AreaCreate", ("is_official",), "boolean") in found
    assert ("FeedbackCreate", ("submitted_at",), "date-time") in found


@pytest.mark.parametrize(
    ("model", "path", "kind"),
    CASES,
    ids=[f"{model.__name__}.{'.'.join(map(str, path))}" for model, path, _ in CASES],
)
def test_field_refuses_values_of_another_json_type(
    model: type[BaseModel], path: tuple[str | int, ...], kind: str
) -> None:
    accepted = []
    for value in WRONG[kind]:
        try:
            model.model_validate(_nested(path, value))
        except ValidationError as exc:
            if path in {error["loc"][: len(path)] for error in exc.errors()}:
                continue
        accepted.append(value)

    assert accepted == []
