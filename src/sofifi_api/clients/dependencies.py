from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.clients.models import ApiClient
from sofifi_api.clients.service import ClientNotFound, get_client
from sofifi_api.clients.visibility import is_within
from sofifi_api.db import SessionDep
from sofifi_api.schemas import parse_id


async def client_from_path(
    session: SessionDep,
    principal: PrincipalDep,
    client_id: Annotated[str, Path(max_length=64, description="The API client's id.")],
) -> ApiClient:
    """The client, or 404 also when it lies outside the areas of the client asking."""
    parsed = parse_id(client_id)
    if parsed is None:
        raise ClientNotFound(client_id)
    client = await get_client(session, parsed)
    if not is_within(principal.areas, client):
        raise ClientNotFound(client_id)
    return client


ClientDep = Annotated[ApiClient, Depends(client_from_path)]
