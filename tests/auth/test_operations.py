"""Every operation in the OpenAPI document demands a credential and its declared scope."""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import ClientFactory

PUBLIC_PATHS = {"/v1/oauth/token"}
SAMPLE_PATH_VALUES = {"area_code": "82", "code": "82"}
NIL_ID = "00000000-0000-7000-8000-000000000000"
# (method, path, scopes); an operation declaring several scopes needs them all, or, for the
# change feed, any one of them.
Operations = list[tuple[str, str, tuple[str, ...]]]


def protected_operations(app: FastAPI) -> Operations:
    """Every operation that declares required scopes."""
    found = []
    for path, item in app.openapi()["paths"].items():
        if not path.startswith("/v1/") or path in PUBLIC_PATHS:
            continue
        for method, operation in item.items():
            requirements: list[dict[str, list[str]]] = operation.get("security", [])
            scopes = {
                scope for requirement in requirements for s in requirement.values() for scope in s
            }
            assert scopes, f"{method} {path} declares no scope"
            found.append((method.upper(), path, tuple(sorted(scopes))))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), NIL_ID), path)


def request_kwargs(method: str) -> dict[str, Any]:
    return {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}


def other_scope(scopes: tuple[str, ...]) -> str:
    return next(s for s in ("surveys:read", "areas:read", "audit:read") if s not in scopes)


@pytest.fixture
def operations(app: FastAPI) -> Operations:
    return protected_operations(app)


def test_every_v1_operation_declares_a_scope(operations: Operations) -> None:
    assert len(operations) >= 45


def test_every_v1_operation_takes_an_api_key_or_an_access_token(app: FastAPI) -> None:
    document = app.openapi()
    schemes = set(document["components"]["securitySchemes"])
    offered = {
        (method, path): {scheme for requirement in operation["security"] for scheme in requirement}
        for path, item in document["paths"].items()
        if path.startswith("/v1/") and path not in PUBLIC_PATHS
        for method, operation in item.items()
    }

    assert schemes == {"ApiKey", "OAuth2"}
    assert dict.fromkeys(offered, schemes) == offered


async def test_no_credential_is_401_with_challenge_everywhere(
    anonymous_client: httpx.AsyncClient, operations: Operations
) -> None:
    wrong = []
    for method, path, _scope in operations:
        response = await anonymous_client.request(method, concrete(path), **request_kwargs(method))
        if response.status_code != 401 or "Bearer" not in response.headers.get(
            "www-authenticate", ""
        ):
            wrong.append(f"{method} {path}: {response.status_code}")

    assert wrong == []


async def test_credential_without_the_scope_is_403_naming_it_everywhere(
    make_client: ClientFactory, operations: Operations
) -> None:
    wrong = []
    for method, path, scopes in operations:
        partner = await make_client(other_scope(scopes))
        response = await partner.request(method, concrete(path), **request_kwargs(method))
        detail = response.json()["detail"]
        if response.status_code != 403 or not any(scope in detail for scope in scopes):
            wrong.append(f"{method} {path}: {response.status_code}")

    assert wrong == []


async def test_credential_with_the_scope_passes_the_check_everywhere(
    make_client: ClientFactory, operations: Operations
) -> None:
    wrong = []
    for method, path, scopes in operations:
        partner = await make_client(*scopes)
        response = await partner.request(method, concrete(path), **request_kwargs(method))
        if response.status_code in {401, 403} or response.status_code >= 500:
            wrong.append(f"{method} {path}: {response.status_code}")

    assert wrong == []
