"""Every path says in full what it allows (RFC 9110): a method it does not serve is a 405
problem whose `Allow` lists every method the OpenAPI document serves there, and OPTIONS answers
204 with the same `Allow`. Walks every path of the document."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from sofifi_api.db import Database
from sofifi_api.main import create_app

SOME_ID = "00000000-0000-0000-0000-000000000000"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _served() -> dict[str, frozenset[str]]:
    """Path template → the methods the document gives it."""
    paths = create_app().openapi()["paths"]
    return {
        template: frozenset(method.upper() for method in item) for template, item in paths.items()
    }


SERVED = _served()


def _concrete(template: str) -> str:
    return re.sub(r"\{code\}", "82.72", re.sub(r"\{(?!code\})[^}]+\}", SOME_ID, template))


def allowed_at(path: str) -> frozenset[str]:
    """The methods the templates matching `path` serve, and OPTIONS. Where a literal template
    and one with a parameter both match (`/v1/participants/lookup` and
    `/v1/participants/{participant_id}`), the path names the literal one's resource."""
    matching = [
        (template.count("{"), served)
        for template, served in SERVED.items()
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
    ]
    fewest = min(parameters for parameters, _ in matching)
    return frozenset({"OPTIONS"}).union(
        *(served for parameters, served in matching if parameters == fewest)
    )


def routed_at(path: str) -> frozenset[str]:
    """Every method some template matching `path` serves: those reach a route (and its 404 for
    an id such as `lookup`), the others are 405."""
    return frozenset().union(
        *(
            served
            for template, served in SERVED.items()
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
        )
    )


def test_a_literal_path_allows_only_its_own_methods() -> None:
    assert allowed_at("/v1/participants/lookup") == {"POST", "OPTIONS"}
    assert allowed_at(f"/v1/participants/{SOME_ID}") == {"GET", "PATCH", "DELETE", "OPTIONS"}


PATHS = sorted({_concrete(template) for template in SERVED})


def allow_of(response: httpx.Response) -> frozenset[str]:
    return frozenset(method.strip() for method in response.headers.get("allow", "").split(","))


@pytest.fixture(scope="module")
async def anonymous(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """One application for the module: these requests are answered before any route runs."""
    transport = httpx.ASGITransport(app=create_app(database), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def test_paths_with_several_methods_are_walked() -> None:
    assert "/v1/organizations" in PATHS
    assert allowed_at("/v1/organizations") == {"GET", "POST", "OPTIONS"}


@pytest.mark.parametrize("path", PATHS)
async def test_unserved_methods_are_405_problems_naming_every_method_of_the_path(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    expected = allowed_at(path)
    answers = {}
    for method in sorted(METHODS - routed_at(path)):
        response = await anonymous.request(method, path)
        answers[method] = (
            response.status_code,
            response.headers["content-type"],
            response.json()["type"],
            allow_of(response),
        )

    refused = (405, "application/problem+json", "/problems/method-not-allowed", expected)
    assert answers == dict.fromkeys(answers, refused)


@pytest.mark.parametrize("path", PATHS)
async def test_options_is_204_naming_every_method_of_the_path(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    response = await anonymous.options(path)

    assert (response.status_code, response.content) == (204, b"")
    assert allow_of(response) == allowed_at(path)


async def test_options_on_an_unknown_path_is_404(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.options("/v1/no-such-collection")

    assert response.status_code == 404
