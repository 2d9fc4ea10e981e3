import base64
import uuid
from datetime import timedelta

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.tokens import issue_access_token
from sofifi_api.clients import service
from sofifi_api.clients.models import ClientUpdate
from sofifi_api.config import get_settings
from sofifi_api.db import utcnow
from tests.oauth.conftest import TOKEN_URL, PartnerFactory, bearer, request_token


async def test_token_is_issued_for_basic_credentials(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read", "feedback:read")

    response = await request_token(anonymous_client, partner)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == get_settings().access_token_ttl_seconds
    assert body["scope"] == "feedback:read programs:read"
    assert response.headers["cache-control"] == "no-store"


async def test_issued_token_opens_the_api_as_a_bearer(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")
    token = (await request_token(anonymous_client, partner)).json()["access_token"]

    response = await anonymous_client.get("/v1/programs", headers=bearer(token))

    assert response.status_code == 200


async def test_credentials_in_the_form_also_buy_a_token(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": partner.key,
        },
    )

    assert response.status_code == 200
    assert response.json()["scope"] == "programs:read"


async def test_swagger_ui_authorize_request_gets_every_scope_of_the_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("areas:read", "programs:read")

    response = await anonymous_client.post(
        TOKEN_URL,
        content=b"grant_type=client_credentials&scope=",
        headers={
            **partner.basic(),
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Requested-With": "XMLHttpRequest",
        },
    )

    assert response.status_code == 200
    assert response.json()["scope"] == "areas:read programs:read"


async def test_token_narrowed_to_read_cannot_write(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read", "programs:write")
    token = (await request_token(anonymous_client, partner, scope="programs:read")).json()

    write = await anonymous_client.post(
        "/v1/programs", json={}, headers=bearer(token["access_token"])
    )
    read = await anonymous_client.get("/v1/programs", headers=bearer(token["access_token"]))

    assert token["scope"] == "programs:read"
    assert write.status_code == 403
    assert read.status_code == 200


async def test_admin_client_can_narrow_its_token_to_one_scope(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("admin")
    token = (await request_token(anonymous_client, partner, scope="programs:read")).json()

    read = await anonymous_client.get("/v1/programs", headers=bearer(token["access_token"]))
    admin = await anonymous_client.get("/v1/clients", headers=bearer(token["access_token"]))

    assert read.status_code == 200
    assert admin.status_code == 403


async def test_wrong_secret_is_401_invalid_client_with_basic_challenge(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")
    other = await make_partner("programs:read", name="Another partner")
    pair = base64.b64encode(f"{partner.client_id}:{other.key[:-1]}x".encode()).decode()

    response = await anonymous_client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {pair}"},
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Basic realm="sofifi-api"'
    assert response.json()["error"] == "invalid_client"


async def test_key_of_another_client_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")
    other = await make_partner("admin", name="Admin partner")

    response = await anonymous_client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": other.key,
        },
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_unknown_client_id_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": str(uuid.uuid4()),
            "client_secret": partner.key,
        },
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_malformed_client_id_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": "bappeda",
            "client_secret": partner.key,
        },
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_no_client_credentials_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post(TOKEN_URL, data={"grant_type": "client_credentials"})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_revoked_client_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory, session: AsyncSession
) -> None:
    partner = await make_partner("programs:read")
    await service.revoke_client(session, partner.client)

    response = await request_token(anonymous_client, partner)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_expired_client_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory, session: AsyncSession
) -> None:
    partner = await make_partner("programs:read")
    partner.client.expires_at = utcnow() - timedelta(minutes=1)
    session.add(partner.client)
    await session.flush()

    response = await request_token(anonymous_client, partner)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_key_lapsed_by_rotation_is_401_invalid_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory, session: AsyncSession
) -> None:
    partner = await make_partner("programs:read")
    await service.rotate_key(session, partner.client)

    response = await request_token(anonymous_client, partner)

    assert response.status_code == 401


async def test_failure_from_a_script_gets_no_browser_challenge(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")
    pair = base64.b64encode(f"{partner.client_id}:sfk_wrong".encode()).decode()

    response = await anonymous_client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {pair}", "X-Requested-With": "XMLHttpRequest"},
    )

    assert response.status_code == 401
    assert "www-authenticate" not in response.headers


async def test_other_grant_type_is_400_unsupported_grant_type(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL,
        data={"grant_type": "password", "username": "bappeda", "password": "x"},
        headers=partner.basic(),
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_missing_grant_type_is_400_invalid_request(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL, data={"scope": "programs:read"}, headers=partner.basic()
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_repeated_parameter_is_400_invalid_request(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL,
        content=b"grant_type=client_credentials&scope=programs:read&scope=admin",
        headers={**partner.basic(), "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_basic_and_form_secret_together_is_400_invalid_request(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await request_token(anonymous_client, partner, client_secret=partner.key)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_unknown_scope_is_400_invalid_scope(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await request_token(anonymous_client, partner, scope="programs:read everything")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_scope_the_client_was_not_granted_is_400_invalid_scope(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await request_token(anonymous_client, partner, scope="programs:read programs:write")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_scope"
    assert "programs:write" in body["detail"]
    assert body["error_description"] == body["detail"]


async def test_json_body_is_415_naming_the_form_type(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")

    response = await anonymous_client.post(
        TOKEN_URL, json={"grant_type": "client_credentials"}, headers=partner.basic()
    )

    assert response.status_code == 415
    assert response.headers["accept-post"] == "application/x-www-form-urlencoded"
    assert response.json()["error"] == "invalid_request"


async def test_other_paths_still_refuse_form_bodies(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/organizations", data={"name": "Yayasan Bambu", "kind": "ngo"})

    assert response.status_code == 415
    assert response.headers["accept-post"] == "application/json"


async def test_expired_token_is_401_invalid_token(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")
    ttl = get_settings().access_token_ttl_seconds
    token = issue_access_token(
        partner.client.id,
        uuid.uuid4(),
        ["programs:read"],
        now=utcnow() - timedelta(seconds=ttl + 60),
    )

    response = await anonymous_client.get("/v1/programs", headers=bearer(token.token))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_token_stops_when_its_client_is_revoked(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory, session: AsyncSession
) -> None:
    partner = await make_partner("programs:read")
    token = (await request_token(anonymous_client, partner)).json()["access_token"]
    await service.revoke_client(session, partner.client)

    response = await anonymous_client.get("/v1/programs", headers=bearer(token))

    assert response.status_code == 401


async def test_token_loses_a_scope_withdrawn_from_its_client(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory, session: AsyncSession
) -> None:
    partner = await make_partner("programs:read", "feedback:read")
    token = (await request_token(anonymous_client, partner)).json()["access_token"]
    await service.update_client(session, partner.client, ClientUpdate(scopes=["feedback:read"]))

    programs = await anonymous_client.get("/v1/programs", headers=bearer(token))
    feedback = await anonymous_client.get("/v1/feedback", headers=bearer(token))

    assert programs.status_code == 403
    assert feedback.status_code == 200


async def test_tampered_token_is_401(
    anonymous_client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("programs:read")
    token = (await request_token(anonymous_client, partner)).json()["access_token"]
    header, payload, signature = token.split(".")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = (
        base64.urlsafe_b64encode(claims.replace(b"programs:read", b"admin")).decode().rstrip("=")
    )

    response = await anonymous_client.get(
        "/v1/clients", headers=bearer(f"{header}.{forged}.{signature}")
    )

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_token_endpoint_is_listed_without_a_security_requirement(
    anonymous_client: httpx.AsyncClient,
) -> None:
    document = (await anonymous_client.get("/openapi.json")).json()
    operation = document["paths"][TOKEN_URL]["post"]
    scheme = document["components"]["securitySchemes"]["OAuth2"]

    assert operation["operationId"] == "create_access_token"
    assert "security" not in operation
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == TOKEN_URL
