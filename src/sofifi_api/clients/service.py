import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.service import ensure_areas_exist
from sofifi_api.auth.credentials import generate_key, key_matches, lookup_id_of
from sofifi_api.auth.scopes import SCOPES
from sofifi_api.clients.models import ApiClient, ApiKey
from sofifi_api.db import utcnow
from sofifi_api.errors import NotFound, ValidationFailed


class ClientNotFound(NotFound):
    def __init__(self, client_id: uuid.UUID | str) -> None:
        super().__init__(f"No API client with id {client_id}.")


@dataclass(frozen=True)
class IssuedKey:
    """A key as handed out: the only moment its secret exists outside the client's hands."""

    client: ApiClient
    key: str
    key_id: uuid.UUID


def check_scopes(scopes: Sequence[str]) -> list[str]:
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        raise ValidationFailed.for_field(
            "scopes", f"Unknown scope: {', '.join(unknown)}.", code="unknown_scope"
        )
    if not scopes:
        raise ValidationFailed.for_field("scopes", "Grant at least one scope.", code="required")
    return sorted(set(scopes))


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
    await ensure_areas_exist(session, area_codes, field="area_codes")
    client = ApiClient(
        name=name,
        description=description,
        organization_id=organization_id,
        scopes=check_scopes(scopes),
        area_codes=sorted(set(area_codes)),
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    session.add(client)
    await session.flush()
    return await add_key(session, client)


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
        await session.flush()
    return client


async def client_for_key(session: AsyncSession, key: str) -> ApiClient | None:
    """The active client an API key belongs to, or None for any key that does not open."""
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
    if row is None:
        return None
    api_key, client = row
    now = utcnow()
    if not key_matches(key, api_key.digest) or not api_key.is_active(now):
        return None
    return client if client.is_active(now) else None


async def active_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClient | None:
    client = await session.get(ApiClient, client_id)
    return client if client is not None and client.is_active(utcnow()) else None
