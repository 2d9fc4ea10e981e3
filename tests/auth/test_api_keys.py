import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service
from sofifi_api.clients.models import ApiKey
from tests.conftest import ClientFactory


async def test_unknown_key_is_401_invalid_token(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.get(
        "/v1/programs",
        headers={"Authorization": "Bearer sfk_abcdefghij_" + "x" * 43},
    )

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_authorization_header_is_401(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.get("/v1/programs", headers={"Authorization": "Basic Zm9v"})

    assert response.status_code == 401


async def test_missing_scope_is_403_naming_the_scope(make_client: ClientFactory) -> None:
    partner = await make_client("programs:read")

    response = await partner.post("/v1/programs", json={})

    assert response.status_code == 403
    assert "programs:write" in response.json()["detail"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_revoked_client_key_stops_working(
    make_client: ClientFactory, session: AsyncSession
) -> None:
    partner = await make_client("programs:read", name="Revoked partner")
    assert (await partner.get("/v1/programs")).status_code == 200
    client = next(c for c in await service.list_clients(session) if c.name == "Revoked partner")
    await service.revoke_client(session, client)

    response = await partner.get("/v1/programs")

    assert response.status_code == 401


async def test_rotated_key_replaces_the_old_one(
    anonymous_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    issued = await service.create_client(session, name="Rotating", scopes=["areas:read"])
    rotated = await service.rotate_key(session, issued.client)
    await session.flush()

    old = await anonymous_client.get("/v1/areas", headers={"Authorization": f"Bearer {issued.key}"})
    new = await anonymous_client.get(
        "/v1/areas", headers={"Authorization": f"Bearer {rotated.key}"}
    )

    assert old.status_code == 401
    assert new.status_code == 200


async def test_keys_are_stored_only_as_digests(session: AsyncSession) -> None:
    issued = await service.create_client(session, name="Digest", scopes=["areas:read"])
    await session.flush()

    stored = (await session.exec(select(ApiKey).where(ApiKey.id == issued.key_id))).one()
    assert issued.key.startswith("sfk_")
    assert issued.key not in (stored.digest, stored.lookup_id)
    assert len(stored.digest) == 64
