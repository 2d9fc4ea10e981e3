import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.scopes import SCOPES
from sofifi_api.clients.models import ApiClient, ApiKey
from sofifi_api.db import utcnow
from tests.conftest import ClientFactory, QueryCounter
from tests.factories import OBA_UTARA, create_organization, create_reference_areas

NEW_CLIENT = {"name": "Bappeda Maluku Utara", "scopes": ["programs:read", "feedback:read"]}


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/clients", json=NEW_CLIENT | fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def expire_key_now(session: AsyncSession, key_id: str) -> None:
    """Stands in for the passing of a rotation's grace period."""
    key = await session.get(ApiKey, uuid.UUID(key_id))
    assert key is not None
    key.expires_at = utcnow() - timedelta(seconds=1)
    session.add(key)
    await session.flush()


async def test_create_returns_201_with_location_and_the_key(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/clients", json=NEW_CLIENT)

    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"].endswith(f"/v1/clients/{body['id']}")
    assert response.headers["cache-control"] == "no-store"
    assert body["api_key"].startswith("sfk_")
    assert body["scopes"] == ["feedback:read", "programs:read"]
    assert body["status"] == "active"
    assert [key["id"] for key in body["keys"]] == [body["api_key_id"]]


async def test_key_metadata_shows_the_prefix_of_the_key(client: httpx.AsyncClient) -> None:
    created = await create(client)

    key = created["keys"][0]

    assert created["api_key"].startswith(key["prefix"] + "_")
    assert key["status"] == "active"
    assert key["expires_at"] is None


async def test_created_key_opens_the_api_with_its_scopes(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)

    read = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))
    write = await anonymous_client.post("/v1/programs", json={}, headers=bearer(created["api_key"]))

    assert read.status_code == 200
    assert write.status_code == 403


async def test_get_never_shows_the_key_or_its_digest(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create(client)
    stored = (
        await session.exec(select(ApiKey).where(ApiKey.id == uuid.UUID(created["api_key_id"])))
    ).one()

    response = await client.get(f"/v1/clients/{created['id']}")

    assert response.status_code == 200
    assert "api_key" not in response.json()
    assert created["api_key"] not in response.text
    assert stored.digest not in response.text
    assert response.json()["keys"] == created["keys"]


async def test_list_never_shows_keys_or_digests(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.get("/v1/clients")

    assert response.status_code == 200
    assert created["id"] in [item["id"] for item in response.json()["data"]]
    assert created["api_key"] not in response.text
    assert "digest" not in response.text


async def test_partner_without_admin_is_403(make_client: ClientFactory) -> None:
    partner = await make_client("programs:read", "programs:write", "participants:pii")

    response = await partner.get("/v1/clients")

    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


async def test_unknown_scope_is_422_naming_its_place_not_its_value(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/clients", json=NEW_CLIENT | {"scopes": ["programs:read", "programs:delete"]}
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["scopes.1"]
    assert "programs:delete" not in response.text


async def test_no_scope_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/clients", json=NEW_CLIENT | {"scopes": []})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scopes"


async def test_unknown_area_is_422_naming_its_place_not_its_value(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/clients", json=NEW_CLIENT | {"area_codes": ["99.99"]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "area_codes.0"
    assert "99.99" not in response.text


async def test_client_can_be_bound_to_areas(client: httpx.AsyncClient) -> None:
    await create_reference_areas(client)

    created = await create(client, area_codes=[OBA_UTARA, OBA_UTARA])

    assert created["area_codes"] == [OBA_UTARA]


async def test_unknown_organization_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/clients", json=NEW_CLIENT | {"organization_id": str(uuid.uuid4())}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "organization_id"


async def test_expiry_in_the_past_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/clients", json=NEW_CLIENT | {"expires_at": "2020-01-01T00:00:00Z"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_at"


async def test_expiry_without_time_zone_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/clients", json=NEW_CLIENT | {"expires_at": "2030-01-01T00:00:00"}
    )

    assert response.status_code == 422


async def test_rate_limit_out_of_range_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/clients", json=NEW_CLIENT | {"rate_limit_per_minute": 0})

    assert response.status_code == 422


async def test_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/clients", json=NEW_CLIENT | {"api_key": "sfk_mine"})

    assert response.status_code == 422


async def test_unknown_client_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/clients/{uuid.uuid4()}")

    assert response.status_code == 404


async def test_malformed_client_id_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/clients/bappeda")

    assert response.status_code == 404


async def test_list_filters_by_organization(client: httpx.AsyncClient) -> None:
    organization = await create_organization(client)
    acting = await create(client, organization_id=organization["id"])
    await create(client)

    response = await client.get("/v1/clients", params={"organization_id": organization["id"]})

    assert [item["id"] for item in response.json()["data"]] == [acting["id"]]


async def test_list_filters_by_status(client: httpx.AsyncClient) -> None:
    revoked = await create(client)
    active = await create(client)
    await client.post(f"/v1/clients/{revoked['id']}/revoke")

    revoked_ids = [c["id"] for c in (await client.get("/v1/clients?status=revoked")).json()["data"]]
    active_ids = [c["id"] for c in (await client.get("/v1/clients?status=active")).json()["data"]]

    assert revoked_ids == [revoked["id"]]
    assert active["id"] in active_ids
    assert revoked["id"] not in active_ids


async def test_list_filters_expired_clients(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create(client, expires_at="2030-01-01T00:00:00Z")
    stored = await session.get(ApiClient, uuid.UUID(created["id"]))
    assert stored is not None
    stored.expires_at = utcnow() - timedelta(minutes=1)
    session.add(stored)
    await session.flush()

    expired = (await client.get("/v1/clients?status=expired")).json()["data"]
    shown = (await client.get(f"/v1/clients/{created['id']}")).json()

    assert [c["id"] for c in expired] == [created["id"]]
    assert shown["status"] == "expired"


async def test_list_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await create(client)

    first = (await client.get("/v1/clients?limit=2")).json()
    second = (await client.get(f"/v1/clients?limit=2&cursor={first['next_cursor']}")).json()

    ids = [c["id"] for c in first["data"] + second["data"]]
    assert len(ids) == len(set(ids)) == 4  # the three and the admin making the calls
    assert second["next_cursor"] is None


async def test_list_filters_by_updated_since(client: httpx.AsyncClient) -> None:
    created = await create(client)

    later = (
        await client.get("/v1/clients", params={"updated_since": created["updated_at"]})
    ).json()
    future = (
        await client.get("/v1/clients", params={"updated_since": "2999-01-01T00:00:00Z"})
    ).json()

    assert created["id"] in [c["id"] for c in later["data"]]
    assert future["data"] == []


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    for _ in range(3):
        created = await create(client)
        await client.post(f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 60})

    # Authenticated once before counting: both requests below find the credential held.
    await client.get("/v1/clients?limit=2")
    count_queries.count = 0
    await client.get("/v1/clients?limit=2")
    small = count_queries.count
    count_queries.count = 0
    await client.get("/v1/clients?limit=50")

    assert count_queries.count == small


async def test_patch_changes_only_sent_fields(client: httpx.AsyncClient) -> None:
    created = await create(client, description="Nightly pull.")

    response = await client.patch(
        f"/v1/clients/{created['id']}",
        json={"name": "Bappeda Malut", "scopes": ["projects:read"], "rate_limit_per_minute": 120},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Bappeda Malut"
    assert body["scopes"] == ["projects:read"]
    assert body["rate_limit_per_minute"] == 120
    assert body["description"] == "Nightly pull."
    assert body["updated_at"] > created["updated_at"]


async def test_patched_scopes_apply_to_the_existing_key_at_once(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)
    await client.patch(f"/v1/clients/{created['id']}", json={"scopes": ["feedback:read"]})

    response = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))

    assert response.status_code == 403


async def test_patch_with_unknown_scope_is_422(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.patch(f"/v1/clients/{created['id']}", json={"scopes": ["root"]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scopes.0"


async def test_patch_cannot_null_the_scopes(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.patch(f"/v1/clients/{created['id']}", json={"scopes": None})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scopes"


async def test_patch_with_unknown_area_is_422(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.patch(f"/v1/clients/{created['id']}", json={"area_codes": ["99"]})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "area_codes.0"


async def test_patch_with_past_expiry_is_422(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.patch(
        f"/v1/clients/{created['id']}", json={"expires_at": "2021-06-01T00:00:00Z"}
    )

    assert response.status_code == 422


async def test_patch_can_clear_the_expiry(client: httpx.AsyncClient) -> None:
    created = await create(client, expires_at="2030-01-01T00:00:00Z")

    response = await client.patch(f"/v1/clients/{created['id']}", json={"expires_at": None})

    assert response.status_code == 200
    assert response.json()["expires_at"] is None


async def test_rotation_without_grace_stops_the_old_key_at_once(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)

    response = await client.post(f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 0})

    assert response.status_code == 201
    new_key = response.json()["api_key"]
    assert new_key != created["api_key"]
    old = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))
    new = await anonymous_client.get("/v1/programs", headers=bearer(new_key))
    assert old.status_code == 401
    assert new.status_code == 200


async def test_rotation_without_a_body_stops_the_old_key_at_once(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)

    response = await client.post(f"/v1/clients/{created['id']}/keys")

    assert response.status_code == 201
    old = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))
    assert old.status_code == 401


async def test_old_key_works_during_the_grace_period(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)

    response = await client.post(f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 3600})

    old = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))
    assert response.status_code == 201
    assert old.status_code == 200
    old_key = next(k for k in response.json()["keys"] if k["id"] == created["api_key_id"])
    assert old_key["expires_at"] is not None
    assert old_key["status"] == "active"


async def test_old_key_stops_when_the_grace_period_ends(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create(client)
    rotated = (
        await client.post(f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 3600})
    ).json()
    await expire_key_now(session, created["api_key_id"])

    old = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))
    new = await anonymous_client.get("/v1/programs", headers=bearer(rotated["api_key"]))

    assert old.status_code == 401
    assert new.status_code == 200


async def buy_token(anonymous_client: httpx.AsyncClient, created: dict[str, Any], key: str) -> str:
    response = await anonymous_client.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(created["id"], key)
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_rotation_without_grace_ends_the_access_tokens_of_the_old_key(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)
    old_token = await buy_token(anonymous_client, created, created["api_key"])

    rotated = await client.post(f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 0})

    new_token = await buy_token(anonymous_client, created, rotated.json()["api_key"])
    old = await anonymous_client.get("/v1/programs", headers=bearer(old_token))
    new = await anonymous_client.get("/v1/programs", headers=bearer(new_token))
    assert old.status_code == 401
    assert 'error="invalid_token"' in old.headers["www-authenticate"]
    assert new.status_code == 200


async def test_access_tokens_of_the_old_key_last_as_long_as_its_grace_period(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await create(client)
    token = await buy_token(anonymous_client, created, created["api_key"])
    await client.post(f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 3600})

    during = await anonymous_client.get("/v1/programs", headers=bearer(token))
    await expire_key_now(session, created["api_key_id"])
    after = await anonymous_client.get("/v1/programs", headers=bearer(token))

    assert during.status_code == 200
    assert after.status_code == 401


async def test_grace_longer_than_seven_days_is_422(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.post(
        f"/v1/clients/{created['id']}/keys", json={"grace_seconds": 7 * 86400 + 1}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "grace_seconds"


async def test_rotating_a_revoked_client_is_409(client: httpx.AsyncClient) -> None:
    created = await create(client)
    await client.post(f"/v1/clients/{created['id']}/revoke")

    response = await client.post(f"/v1/clients/{created['id']}/keys")

    assert response.status_code == 409


async def test_rotated_key_is_not_shown_again(client: httpx.AsyncClient) -> None:
    created = await create(client)
    rotated = (await client.post(f"/v1/clients/{created['id']}/keys")).json()

    response = await client.get(f"/v1/clients/{created['id']}")

    assert rotated["api_key"] not in response.text
    assert len(response.json()["keys"]) == 2


async def test_revoke_marks_the_client_and_its_keys_revoked(client: httpx.AsyncClient) -> None:
    created = await create(client)

    response = await client.post(f"/v1/clients/{created['id']}/revoke")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "revoked"
    assert body["revoked_at"] is not None
    assert [key["status"] for key in body["keys"]] == ["revoked"]


async def test_revoked_client_key_is_401(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)
    await client.post(f"/v1/clients/{created['id']}/revoke")

    response = await anonymous_client.get("/v1/programs", headers=bearer(created["api_key"]))

    assert response.status_code == 401


async def test_revoked_client_access_token_is_401(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    created = await create(client)
    token = (
        await anonymous_client.post(
            "/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(created["id"], created["api_key"]),
        )
    ).json()["access_token"]
    await client.post(f"/v1/clients/{created['id']}/revoke")

    response = await anonymous_client.get("/v1/programs", headers=bearer(token))

    assert response.status_code == 401


async def test_revoked_client_stays_listed_and_readable(client: httpx.AsyncClient) -> None:
    created = await create(client)
    await client.post(f"/v1/clients/{created['id']}/revoke")

    listed = (await client.get("/v1/clients")).json()["data"]
    shown = await client.get(f"/v1/clients/{created['id']}")

    assert created["id"] in [c["id"] for c in listed]
    assert shown.status_code == 200


async def test_revoking_twice_keeps_the_first_revocation(client: httpx.AsyncClient) -> None:
    created = await create(client)
    first = (await client.post(f"/v1/clients/{created['id']}/revoke")).json()

    second = await client.post(f"/v1/clients/{created['id']}/revoke")

    assert second.status_code == 200
    assert second.json()["revoked_at"] == first["revoked_at"]


async def test_revoking_an_unknown_client_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/v1/clients/{uuid.uuid4()}/revoke")

    assert response.status_code == 404


async def test_openapi_lists_the_scopes_a_client_may_be_granted(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    scopes = document["components"]["schemas"]["ClientCreate"]["properties"]["scopes"]
    assert scopes["items"]["enum"] == list(SCOPES)
