import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.auth.scopes import ADMIN
from sofifi_api.clients import grants, service
from sofifi_api.clients.dependencies import ClientDep
from sofifi_api.clients.models import (
    ClientCreate,
    ClientPublic,
    ClientUpdate,
    CredentialStatus,
    IssuedClient,
    KeyRotation,
)
from sofifi_api.conditional import IfMatchDep
from sofifi_api.db import SessionDep
from sofifi_api.errors import PROBLEM_MEDIA_TYPE, Problem, problem_responses
from sofifi_api.pagination import Page, PageDep, page_body
from sofifi_api.schemas import UpdatedSinceQuery

router = APIRouter(prefix="/clients", tags=["clients"])

_GRANT_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {
        "model": Problem,
        "description": "The credential lacks `admin`, or the grant exceeds what the client "
        "making the request holds (`/problems/grant-exceeds-own`, each field named in "
        "`errors`): a scope it does not hold, an area outside its own (for a client bound to "
        "areas, also no area, which means every area), or, on itself, a higher rate limit or a "
        "later expiry.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


async def _issued(session: SessionDep, issued: service.IssuedKey) -> IssuedClient:
    described = await service.describe_client(session, issued.client)
    return IssuedClient(**described.model_dump(), api_key=issued.key, api_key_id=issued.key_id)


@router.get(
    "",
    dependencies=[requires(ADMIN)],
    response_model=Page[ClientPublic],
    summary="List API clients",
    responses=problem_responses(400, 422),
)
async def list_clients(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    status: Annotated[
        CredentialStatus | None,
        Query(description="Only clients in this state; revoked clients stay listed."),
    ] = None,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Only clients acting for this organization.")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
) -> dict[str, Any]:
    """Partner clients in creation order, with their keys' metadata (never the keys). A client
    bound to areas lists only clients bound to areas within its own."""
    clients, next_key = await service.list_clients_page(
        session,
        page,
        areas=principal.areas,
        status=status,
        organization_id=organization_id,
        updated_since=updated_since,
    )
    items = await service.describe_clients(session, clients)
    return page_body(request, response, items, next_key)


@router.post(
    "",
    dependencies=[requires(ADMIN)],
    response_model=IssuedClient,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API client",
    response_description="The client, created, with its first key shown only in this answer; "
    "`Location` is its URL.",
    responses=problem_responses(400, 413, 415, 422) | _GRANT_REFUSED,
)
async def create_client(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    body: ClientCreate,
) -> IssuedClient:
    """Creates a partner client and its first API key, which this answer shows once only. A
    client grants only scopes it holds and, if bound to areas, only areas within its own."""
    grants.refuse_create_beyond_own(principal, scopes=body.scopes, area_codes=body.area_codes)
    issued = await service.create_client(session, **body.model_dump())
    response.headers["Location"] = str(request.url_for("get_client", client_id=issued.client.id))
    response.headers["Cache-Control"] = "no-store"
    return await _issued(session, issued)


@router.get(
    "/{client_id}",
    dependencies=[requires(ADMIN)],
    response_model=ClientPublic,
    summary="Get an API client",
    responses=problem_responses(404, 422),
)
async def get_client(session: SessionDep, client: ClientDep) -> ClientPublic:
    """The client and its keys' metadata: id, `sfk_<lookup id>` prefix, dates; never a secret.
    For a client bound to areas, a client not bound within them is 404, here and on every
    operation on it."""
    return await service.describe_client(session, client)


@router.patch(
    "/{client_id}",
    dependencies=[requires(ADMIN)],
    response_model=ClientPublic,
    summary="Update an API client",
    responses=problem_responses(400, 404, 413, 415, 422) | _GRANT_REFUSED,
)
async def update_client(
    session: SessionDep,
    principal: PrincipalDep,
    client: ClientDep,
    body: ClientUpdate,
    if_match: IfMatchDep,
) -> ClientPublic:
    """Changes only the fields sent. New scopes and areas apply at once, to access tokens
    already issued too. The same grant rules as for creating hold; on itself a client may
    also not raise its rate limit nor extend or clear its expiry."""
    await if_match.require_current(
        session, client, lambda: service.describe_client(session, client)
    )
    grants.refuse_update_beyond_own(principal, client, body.model_dump(exclude_unset=True))
    updated = await service.update_client(session, client, body)
    return await service.describe_client(session, updated)


@router.post(
    "/{client_id}/keys",
    dependencies=[requires(ADMIN)],
    response_model=IssuedClient,
    status_code=status.HTTP_201_CREATED,
    summary="Rotate an API client's key",
    response_description="The client with its new key, shown only in this answer; `Location` "
    "is the client's URL.",
    responses=problem_responses(400, 404, 409, 413, 415, 422),
)
async def rotate_client_key(
    request: Request,
    response: Response,
    session: SessionDep,
    client: ClientDep,
    body: KeyRotation | None = None,
) -> IssuedClient:
    """Issues a new key, shown once in this answer; the client's current keys stop after
    `grace_seconds` (at once by default). Refused (409) for a revoked or expired client."""
    grace = timedelta(seconds=body.grace_seconds if body is not None else 0)
    issued = await service.rotate_key(session, client, grace=grace)
    response.headers["Location"] = str(request.url_for("get_client", client_id=client.id))
    response.headers["Cache-Control"] = "no-store"
    return await _issued(session, issued)


@router.post(
    "/{client_id}/revoke",
    dependencies=[requires(ADMIN)],
    response_model=ClientPublic,
    summary="Revoke an API client",
    response_description="The client, now `revoked`.",
    responses=problem_responses(404, 422),
)
async def revoke_client(session: SessionDep, client: ClientDep) -> ClientPublic:
    """Stops every key and access token of the client at once, for good. The client stays
    listed with `status` `revoked`; revoking it again changes nothing."""
    revoked = await service.revoke_client(session, client)
    return await service.describe_client(session, revoked)
