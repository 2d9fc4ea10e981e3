from typing import Annotated

from fastapi import Depends, Path

from sofifi_api.clients.models import ApiClient
from sofifi_api.clients.service import ClientNotFound, get_client
from sofifi_api.db import SessionDep
from sofifi_api.schemas import parse_id


async def client_from_path(
    session: SessionDep,
    client_id: Annotated[str, Path(max_length=64, description="The API client's id.")],
) -> ApiClient:
    parsed = parse_id(client_id)
    if parsed is None:
        raise ClientNotFound(client_id)
    return await get_client(session, parsed)


ClientDep = Annotated[ApiClient, Depends(client_from_path)]
