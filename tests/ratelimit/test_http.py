"""Every authenticated request is counted; the response says how much of the quota is left."""

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.main import create_app
from sofifi_api.organizations.models import Organization
from sofifi_api.ratelimit.limiter import RateLimiter, RedisRateLimiter
from tests.ratelimit.conftest import ClientOpener, KeyFactory, LimiterFactory, PartnerFactory


async def get_programs_times(partner: httpx.AsyncClient, times: int) -> list[httpx.Response]:
    return [await partner.get("/v1/programs") for _ in range(times)]


async def test_fourth_request_of_a_client_limited_to_three_is_429(
    make_partner: PartnerFactory,
) -> None:
    partner = await make_partner(3)
    await get_programs_times(partner, 3)

    response = await partner.get("/v1/programs")

    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/too-many-requests"
    assert "3 requests per 60 seconds" in response.json()["detail"]
    assert response.headers["retry-after"] == "50"
    assert response.headers["ratelimit-policy"] == '"default";q=3;w=60'
    assert response.headers["ratelimit"] == '"default";r=0;t=50'


async def test_successful_responses_count_down_the_remaining_quota(
    make_partner: PartnerFactory,
) -> None:
    partner = await make_partner(3)

    responses = await get_programs_times(partner, 3)

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.headers["ratelimit"] for r in responses] == [
        '"default";r=2;t=50',
        '"default";r=1;t=50',
        '"default";r=0;t=50',
    ]
    assert all(r.headers["ratelimit-policy"] == '"default";q=3;w=60' for r in responses)
    assert all("retry-after" not in r.headers for r in responses)


async def test_client_without_its_own_limit_gets_the_default(
    make_partner: PartnerFactory, limiter: RateLimiter
) -> None:
    partner = await make_partner()

    response = await partner.get("/v1/programs")

    assert response.headers["ratelimit-policy"] == f'"default";q={limiter.default_limit};w=60'
    assert response.headers["ratelimit"] == f'"default";r={limiter.default_limit - 1};t=50'


async def test_clients_have_separate_budgets(make_partner: PartnerFactory) -> None:
    spent = await make_partner(3)
    await get_programs_times(spent, 4)
    other = await make_partner(3)

    response = await other.get("/v1/programs")

    assert response.status_code == 200
    assert response.headers["ratelimit"] == '"default";r=2;t=50'


async def test_error_responses_are_counted_and_carry_the_headers(
    make_partner: PartnerFactory,
) -> None:
    partner = await make_partner(3, scopes=("programs:read",))

    forbidden = await partner.post("/v1/programs", json={})
    not_found = await partner.get("/v1/programs/00000000-0000-7000-8000-000000000000")

    assert forbidden.status_code == 403
    assert forbidden.headers["ratelimit"] == '"default";r=2;t=50'
    assert not_found.status_code == 404
    assert not_found.headers["ratelimit"] == '"default";r=1;t=50'


async def test_refused_request_does_not_reach_the_operation(
    make_partner: PartnerFactory, session: AsyncSession
) -> None:
    partner = await make_partner(1, scopes=("organizations:read", "organizations:write"))
    await partner.get("/v1/organizations")

    response = await partner.post(
        "/v1/organizations", json={"name": "Yayasan Bambu Oba", "kind": "ngo"}
    )

    assert response.status_code == 429
    created = await session.exec(
        select(Organization).where(Organization.name == "Yayasan Bambu Oba")
    )
    assert created.first() is None


async def test_request_without_valid_credential_is_neither_counted_nor_labelled(
    limited_app: FastAPI, issue_key: KeyFactory, open_client: ClientOpener
) -> None:
    key = await issue_key(3)
    wrong = open_client(limited_app, key[:-4] + "xxxx")
    anonymous = open_client(limited_app, "")

    refused = [await wrong.get("/v1/programs"), await anonymous.get("/v1/programs")]
    response = await open_client(limited_app, key).get("/v1/programs")

    assert [r.status_code for r in refused] == [401, 401]
    assert all("ratelimit" not in r.headers for r in refused)
    assert response.headers["ratelimit"] == '"default";r=2;t=50'


@pytest.mark.parametrize("make_limiter", ["redis"], indirect=True)
async def test_replicas_sharing_redis_count_together(
    app: FastAPI,
    make_limiter: LimiterFactory,
    issue_key: KeyFactory,
    open_client: ClientOpener,
) -> None:
    replica = create_app(app.state.database)
    replica.dependency_overrides = dict(app.dependency_overrides)
    app.state.rate_limiter, replica.state.rate_limiter = make_limiter(), make_limiter()
    assert isinstance(replica.state.rate_limiter, RedisRateLimiter)
    key = await issue_key(3)
    first, second = open_client(app, key), open_client(replica, key)

    responses = [await http.get("/v1/programs") for http in (first, second, first, second)]

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[1].headers["ratelimit"] == '"default";r=1;t=50'


def test_every_v1_operation_documents_429(app: FastAPI) -> None:
    undocumented = [
        f"{method} {path}"
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
        if "429" not in operation["responses"]
    ]

    assert undocumented == []
