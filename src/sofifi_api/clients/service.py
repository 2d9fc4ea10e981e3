import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.service import ensure_areas_exist
from sofifi_api.auth.areas import AreaScope
from sofifi_api.auth.credentials import generate_key, key_matches, lookup_id_of
from sofifi_api.auth.scopes import ADMIN, SCOPES
from sofifi_api.clients.models import (
    ApiClient,
    ApiKey,
    ClientPublic,
    ClientUpdate,
    CredentialStatus,
)
from sofifi_api.clients.visibility import clients_within
from sofifi_api.db import SQLITE_BEGIN_IMMEDIATE, utcnow
from sofifi_api.errors import Conflict, FieldError, NotFound, ValidationFailed
from sofifi_api.organizations.service import live_organization_ids
from sofifi_api.pagination import PageRequest, cut_page, keyset


class ClientNotFound(NotFound):
    def __init__(self, client_id: uuid.UUID | str) -> None:
        super().__init__(f"No API client with id {client_id}.")


class ClientNotActive(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "The client is revoked or expired, so a new key would not open the API; "
            "extend expires_at first, or create a new client."
        )


class ClientsExist(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "API clients already exist, so no first admin key is issued; "
            "issue another client with `sofifi-api clients create`."
        )


FIRST_ADMIN_NAME = "First administrator"


@dataclass(frozen=True)
class IssuedKey:
    """A key as handed out: the only moment its secret exists outside the client's hands."""

    client: ApiClient
    key: str
    key_id: uuid.UUID


def check_scopes(scopes: Sequence[str]) -> list[str]:
    unknown = [
        FieldError(
            location="body",
            field=f"scopes.{index}",
            message="Not a scope this service grants; see the OAuth2 scheme's scopes.",
            code="unknown_scope",
        )
        for index, scope in enumerate(scopes)
        if scope not in SCOPES
    ]
    if unknown:
        named = ", ".join(error.field for error in unknown)
        raise ValidationFailed(f"Unknown scope in {named}.", errors=unknown)
    if not scopes:
        raise ValidationFailed.for_field("scopes", "Grant at least one scope.", code="required")
    return sorted(set(scopes))


def check_expiry(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed.for_field(
            "expires_at", "expires_at must be in the future; revoke a client to stop it now."
        )


async def ensure_organization_exists(session: AsyncSession, organization_id: uuid.UUID) -> None:
    if not await live_organization_ids(session, [organization_id]):
        raise ValidationFailed.for_field(
            "organization_id", "No organization with this id.", code="unknown_reference"
        )


async def create_client(
    session: AsyncSession,
    *,
    name: str,
    scopes: Sequence[str],
    area_codes: Sequence[str] = (),
    organization_id: uuid.UUID | None = None,
    description: str | None = None,
    expires_at: datetime | None = None,
    rate_limit_per_minute: int | None = None,
) -> IssuedKey:
    scopes = check_scopes(scopes)
    check_expiry(expires_at)
    await ensure_areas_exist(session, area_codes, field="area_codes")
    if organization_id is not None:
        await ensure_organization_exists(session, organization_id)
    client = ApiClient(
        name=name,
        description=description,
        organization_id=organization_id,
        scopes=scopes,
        area_codes=sorted(set(area_codes)),
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    session.add(client)
    await session.flush()
    return await add_key(session, client)


async def create_first_admin(session: AsyncSession) -> IssuedKey:
    """An `admin` client and its key, only while the database holds no client at all, revoked
    ones included: once anyone has access, new keys come from `create_client`."""
    # Two of these at once must not both see an empty table (call before the session's first
    # statement: SQLite's write lock is taken when its transaction begins).
    connection = await session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
    if connection.dialect.name == "postgresql":
        await connection.execute(sa.text("LOCK TABLE api_clients IN SHARE ROW EXCLUSIVE MODE"))
    if (await session.exec(select(ApiClient.id).limit(1))).first() is not None:
        raise ClientsExist()
    return await create_client(session, name=FIRST_ADMIN_NAME, scopes=[ADMIN])


async def add_key(session: AsyncSession, client: ApiClient) -> IssuedKey:
    new = generate_key()
    key = ApiKey(client_id=client.id, lookup_id=new.lookup_id, digest=new.digest)
    session.add(key)
    await session.flush()
    return IssuedKey(client=client, key=new.key, key_id=key.id)


async def get_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClient:
    client = await session.get(ApiClient, client_id)
    if client is None:
        raise ClientNotFound(client_id)
    return client


async def list_clients(session: AsyncSession) -> list[ApiClient]:
    rows = await session.exec(select(ApiClient).order_by(col(ApiClient.id)))
    return list(rows.all())


async def rotate_key(
    session: AsyncSession, client: ApiClient, *, grace: timedelta = timedelta(0)
) -> IssuedKey:
    """A new key for the client; its current keys stop working after `grace`."""
    now = utcnow()
    if not client.is_active(now):
        raise ClientNotActive
    lapse_at = now + grace
    current = await session.exec(
        select(ApiKey).where(ApiKey.client_id == client.id, col(ApiKey.revoked_at).is_(None))
    )
    for key in current.all():
        if key.expires_at is None or key.expires_at > lapse_at:
            key.expires_at = lapse_at
            session.add(key)
    client.updated_at = now
    session.add(client)
    return await add_key(session, client)


async def revoke_client(session: AsyncSession, client: ApiClient) -> ApiClient:
    """Stops every credential of the client at once, tokens already issued included."""
    if client.revoked_at is None:
        now = utcnow()
        client.revoked_at = now
        client.updated_at = now
        session.add(client)
        keys = await session.exec(
            select(ApiKey).where(ApiKey.client_id == client.id, col(ApiKey.revoked_at).is_(None))
        )
        for key in keys.all():
            key.revoked_at = now
            session.add(key)
        await session.flush()
    return client


@dataclass(frozen=True)
class LiveKey:
    """An API key that opens the API now, and its client."""

    key: ApiKey
    client: ApiClient


def _live(key: ApiKey, client: ApiClient) -> LiveKey | None:
    now = utcnow()
    return LiveKey(key, client) if key.is_active(now) and client.is_active(now) else None


async def live_key(session: AsyncSession, key: str) -> LiveKey | None:
    """The key row and active client an API key opens, or None for any key that does not."""
    lookup_id = lookup_id_of(key)
    if lookup_id is None:
        return None
    row = (
        await session.exec(
            select(ApiKey, ApiClient)
            .join(ApiClient, col(ApiClient.id) == col(ApiKey.client_id))
            .where(ApiKey.lookup_id == lookup_id)
        )
    ).first()
    if row is None or not key_matches(key, row[0].digest):
        return None
    return _live(*row)


async def live_key_by_id(
    session: AsyncSession, key_id: uuid.UUID, client_id: uuid.UUID
) -> LiveKey | None:
    """The client's key `key_id` if it still opens the API: an access token lives no longer
    than the key it was bought with (rotation's grace, revocation, the client's expiry)."""
    row = (
        await session.exec(
            select(ApiKey, ApiClient)
            .join(ApiClient, col(ApiClient.id) == col(ApiKey.client_id))
            .where(ApiKey.id == key_id, ApiKey.client_id == client_id)
        )
    ).first()
    return None if row is None else _live(*row)


async def list_clients_page(
    session: AsyncSession,
    page: PageRequest,
    *,
    areas: AreaScope,
    status: CredentialStatus | None = None,
    organization_id: uuid.UUID | None = None,
    updated_since: datetime | None = None,
) -> tuple[list[ApiClient], str | None]:
    statement = select(ApiClient).where(clients_within(areas, session.get_bind().dialect.name))
    now = utcnow()
    revoked = col(ApiClient.revoked_at).is_not(None)
    expired = col(ApiClient.expires_at).is_not(None) & (col(ApiClient.expires_at) <= now)
    if status is CredentialStatus.revoked:
        statement = statement.where(revoked)
    elif status is CredentialStatus.expired:
        statement = statement.where(~revoked, expired)
    elif status is CredentialStatus.active:
        statement = statement.where(~revoked, ~expired)
    if organization_id is not None:
        statement = statement.where(ApiClient.organization_id == organization_id)
    if updated_since is not None:
        statement = statement.where(col(ApiClient.updated_at) >= updated_since)
    rows = (await session.exec(keyset(statement, col(ApiClient.id), page))).all()
    return cut_page(rows, page, lambda client: client.id)


async def describe_clients(
    session: AsyncSession, clients: Sequence[ApiClient]
) -> list[ClientPublic]:
    """The clients with their keys' metadata, loaded in one query for all of them."""
    keys: dict[uuid.UUID, list[ApiKey]] = {client.id: [] for client in clients}
    if keys:
        rows = await session.exec(
            select(ApiKey)
            .where(col(ApiKey.client_id).in_(keys.keys()))
            .order_by(col(ApiKey.created_at), col(ApiKey.id))
        )
        for key in rows.all():
            keys[key.client_id].append(key)
    now = utcnow()
    return [ClientPublic.of(client, keys[client.id], now) for client in clients]


async def describe_client(session: AsyncSession, client: ApiClient) -> ClientPublic:
    return (await describe_clients(session, [client]))[0]


async def update_client(session: AsyncSession, client: ApiClient, data: ClientUpdate) -> ApiClient:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "scopes" in changes:
        changes["scopes"] = check_scopes(changes["scopes"])
    if "area_codes" in changes:
        await ensure_areas_exist(session, changes["area_codes"], field="area_codes")
        changes["area_codes"] = sorted(set(changes["area_codes"]))
    if "expires_at" in changes:
        check_expiry(changes["expires_at"])
    client.sqlmodel_update(changes)
    client.updated_at = utcnow()
    session.add(client)
    await session.flush()
    return client
