"""The token endpoint counts against the client's quota; failed authentications are throttled
per source address and per client the credential names, in process or shared through Redis."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.throttle import FailureLimits
from sofifi_api.clients import service as clients_service
from sofifi_api.main import create_app
from sofifi_api.ratelimit.limiter import RedisRateLimiter
from tests.ratelimit.conftest import FrozenClock

TOKEN_URL = "/v1/oauth/token"
GRANT = {"grant_type": "client_credentials"}
LIMIT = 3


@dataclass(frozen=True)
class Partner:
    client_id: str
    key: str


Caller = Callable[..., httpx.AsyncClient]
PartnerMaker = Callable[..., Awaitable[Partner]]


def new_address() -> str:
    """An address no other test uses: counters in Redis outlive a test."""
    part = uuid.uuid4().hex
    return f"2001:db8:{part[:4]}:{part[4:8]}:{part[8:12]}:{part[12:16]}::1"


def unknown_key() -> str:
    return f"sfk_{uuid.uuid4().hex[:10]}_{'x' * 43}"


@pytest.fixture
def guarded_app(limited_app: FastAPI) -> FastAPI:
    """The limited application, refusing a source or client after three failures a minute."""
    limited_app.state.failed_auth_limits = FailureLimits(per_address=LIMIT, per_client=LIMIT)
    return limited_app


@pytest.fixture
async def caller() -> AsyncIterator[Caller]:
    """Opens HTTP clients calling an application from a given source address."""
    opened: list[httpx.AsyncClient] = []

    def open_(app: FastAPI, address: str, key: str | None = None) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=app, raise_app_exceptions=False, client=(address, 40000)
            ),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )
        opened.append(http)
        return http

    yield open_
    for http in opened:
        await http.aclose()


@pytest.fixture
def new_partner(session: AsyncSession) -> PartnerMaker:
    async def make(rate_limit_per_minute: int | None = None) -> Partner:
        issued = await clients_service.create_client(
            session,
            name="Throttled partner",
            scopes=["programs:read"],
            rate_limit_per_minute=rate_limit_per_minute,
        )
        await session.flush()
        return Partner(client_id=str(issued.client.id), key=issued.key)

    return make


async def test_token_requests_count_against_the_clients_rate_limit(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker
) -> None:
    partner = await new_partner(LIMIT)
    http = caller(guarded_app, new_address())
    auth = (partner.client_id, partner.key)

    granted = [await http.post(TOKEN_URL, data=GRANT, auth=auth) for _ in range(LIMIT)]
    refused = await http.post(TOKEN_URL, data=GRANT, auth=auth)

    assert [r.status_code for r in granted] == [200] * LIMIT
    assert granted[0].headers["ratelimit"] == '"default";r=2;t=50'
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/too-many-requests"
    assert refused.headers["retry-after"] == "50"
    assert refused.headers["ratelimit-policy"] == '"default";q=3;w=60'
    assert "access_token" not in refused.text


async def test_wrong_keys_from_one_address_are_refused_past_the_limit(
    guarded_app: FastAPI, caller: Caller
) -> None:
    address = new_address()

    failed = [
        await caller(guarded_app, address, unknown_key()).get("/v1/programs") for _ in range(LIMIT)
    ]
    refused = await caller(guarded_app, address, unknown_key()).get("/v1/programs")

    assert [r.status_code for r in failed] == [401] * LIMIT
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/too-many-requests"
    assert "failed authentications" in refused.json()["detail"]
    assert refused.headers["retry-after"] == "50"
    assert refused.headers["ratelimit-policy"] == '"failed-auth";q=3;w=60'
    assert refused.headers["ratelimit"] == '"failed-auth";r=0;t=50'


async def test_a_throttled_address_is_refused_even_with_a_valid_key(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker
) -> None:
    partner = await new_partner()
    address = new_address()
    for _ in range(LIMIT):
        await caller(guarded_app, address, unknown_key()).get("/v1/programs")

    throttled = await caller(guarded_app, address, partner.key).get("/v1/programs")
    elsewhere = await caller(guarded_app, new_address(), partner.key).get("/v1/programs")

    assert throttled.status_code == 429
    assert elsewhere.status_code == 200


async def test_failed_token_requests_from_one_address_are_refused_past_the_limit(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker
) -> None:
    partner = await new_partner()
    http = caller(guarded_app, new_address())
    for _ in range(LIMIT):
        wrong = (str(uuid.uuid4()), unknown_key())
        assert (await http.post(TOKEN_URL, data=GRANT, auth=wrong)).status_code == 401

    refused = await http.post(TOKEN_URL, data=GRANT, auth=(partner.client_id, partner.key))

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "50"


async def test_wrong_secrets_for_one_client_are_refused_past_the_limit_from_any_address(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker
) -> None:
    partner = await new_partner()
    other = await new_partner()
    for _ in range(LIMIT):
        http = caller(guarded_app, new_address())
        wrong = (partner.client_id, unknown_key())
        assert (await http.post(TOKEN_URL, data=GRANT, auth=wrong)).status_code == 401
    http = caller(guarded_app, new_address())

    refused = await http.post(TOKEN_URL, data=GRANT, auth=(partner.client_id, partner.key))
    unaffected = await http.post(TOKEN_URL, data=GRANT, auth=(other.client_id, other.key))

    assert refused.status_code == 429
    assert unaffected.status_code == 200


async def test_guesses_at_one_key_are_refused_past_the_limit_from_any_address(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker
) -> None:
    partner = await new_partner()
    lookup = partner.key.split("_")[1]
    for _ in range(LIMIT):
        guess = f"sfk_{lookup}_{uuid.uuid4().hex}{uuid.uuid4().hex}"
        response = await caller(guarded_app, new_address(), guess).get("/v1/programs")
        assert response.status_code == 401

    refused = await caller(guarded_app, new_address(), partner.key).get("/v1/programs")

    assert refused.status_code == 429


async def test_failures_are_forgotten_when_the_window_ends(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker, clock: FrozenClock
) -> None:
    partner = await new_partner()
    address = new_address()
    for _ in range(LIMIT):
        await caller(guarded_app, address, unknown_key()).get("/v1/programs")

    clock.advance(60)
    response = await caller(guarded_app, address, partner.key).get("/v1/programs")

    assert response.status_code == 200


async def test_requests_without_a_credential_are_not_counted_as_failures(
    guarded_app: FastAPI, caller: Caller, new_partner: PartnerMaker
) -> None:
    partner = await new_partner()
    address = new_address()
    anonymous = [await caller(guarded_app, address).get("/v1/programs") for _ in range(LIMIT + 2)]

    response = await caller(guarded_app, address, partner.key).get("/v1/programs")

    assert [r.status_code for r in anonymous] == [401] * (LIMIT + 2)
    assert response.status_code == 200


async def test_replicas_share_the_failure_counters_through_redis(
    app: FastAPI,
    caller: Caller,
    new_partner: PartnerMaker,
    redis_url: str,
    key_prefix: str,
    clock: FrozenClock,
) -> None:
    partner = await new_partner()
    replicas = [app, create_app(app.state.database)]
    for replica in replicas:
        replica.dependency_overrides = app.dependency_overrides
        replica.state.rate_limiter = RedisRateLimiter(
            Redis.from_url(redis_url), default_limit=600, key_prefix=key_prefix, clock=clock
        )
        replica.state.failed_auth_limits = FailureLimits(per_address=LIMIT, per_client=LIMIT)
    address = new_address()
    try:
        for _ in range(LIMIT):
            await caller(replicas[0], address, unknown_key()).get("/v1/programs")

        response = await caller(replicas[1], address, partner.key).get("/v1/programs")
    finally:
        for replica in replicas:
            await replica.state.rate_limiter.close()

    assert response.status_code == 429
