"""How the operations' dependencies run: on the event loop. FastAPI runs a plain `def`
dependency in its thread pool, a thread hop (and a wait for a free thread under load) per
dependency per request; none of them does blocking work that would need one."""

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from sofifi_api.main import create_app


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _runs_on_the_event_loop(call: Callable[..., Any]) -> bool:
    function = call if inspect.isroutine(call) else type(call).__call__
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def _dependencies() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for route in iter_route_contexts(create_app().routes):
        if isinstance(route.original_route, APIRoute):
            for call in _calls(route.dependant):
                found[getattr(call, "__qualname__", type(call).__qualname__)] = call
    return found


DEPENDENCIES = _dependencies()


@pytest.mark.parametrize("name", sorted(DEPENDENCIES))
def test_every_dependency_runs_on_the_event_loop(name: str) -> None:
    assert _runs_on_the_event_loop(DEPENDENCIES[name])
