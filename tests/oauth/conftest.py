import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service
from sofifi_api.clients.models import ApiClient

TOKEN_URL = "/v1/oauth/token"


@dataclass(frozen=True)
class Partner:
    client: ApiClient
    key: str

    @property
    def client_id(self) -> str:
        return str(self.client.id)

    def basic(self) -> dict[str, str]:
        pair = base64.b64encode(f"{self.client_id}:{self.key}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}


PartnerFactory = Callable[..., Awaitable[Partner]]


@pytest.fixture
def make_partner(session: AsyncSession) -> PartnerFactory:
    """A client with the given scopes, and its API key."""

    async def make(*scopes: str, name: str = "Satu Data Malut") -> Partner:
        issued = await service.create_client(session, name=name, scopes=list(scopes))
        await session.flush()
        return Partner(client=issued.client, key=issued.key)

    return make


async def request_token(http: httpx.AsyncClient, partner: Partner, **form: Any) -> httpx.Response:
    """A token request authenticated with HTTP Basic, the way most OAuth2 libraries send it."""
    return await http.post(
        TOKEN_URL, data={"grant_type": "client_credentials", **form}, headers=partner.basic()
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
