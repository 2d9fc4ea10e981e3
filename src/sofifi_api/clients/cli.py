"""`sofifi-api clients …`: issue, list, rotate and revoke partner credentials."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.audit.recording import record_as
from sofifi_api.auth.scopes import SCOPES
from sofifi_api.clients import service
from sofifi_api.db import Database, utcnow
from sofifi_api.errors import ApiError
from sofifi_api.schema import SCHEMA_PROBLEMS, SchemaState, schema_state

app = typer.Typer(help="Manage the partner clients that may call the API.", no_args_is_help=True)

T = TypeVar("T")


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        database = Database()
        try:
            async with database.sessionmaker() as session:
                record_as(session, "cli")
                result = await work(session)
                await session.commit()
                return result
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except ApiError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(code=1) from error


def _client_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as error:
        raise typer.BadParameter("not a client id") from error


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Who the client is, e.g. 'Bappeda Malut sync'.")],
    scope: Annotated[
        list[str], typer.Option(help=f"Scope to grant (repeatable): {', '.join(SCOPES)}.")
    ],
    area: Annotated[
        list[str] | None,
        typer.Option(help="Restrict the client to this area code and below (repeatable)."),
    ] = None,
    organization_id: Annotated[
        str | None, typer.Option(help="Organization the client acts for.")
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="The client stops working after this many days.")
    ] = None,
    rate_limit: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute, instead of the default.")
    ] = None,
) -> None:
    """Create a client and print its API key, alone on the last line (shown only once)."""
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    issued = _in_transaction(
        lambda session: service.create_client(
            session,
            name=name,
            scopes=scope,
            area_codes=area or [],
            organization_id=_client_id(organization_id) if organization_id else None,
            expires_at=expires_at,
            rate_limit_per_minute=rate_limit,
        )
    )
    _print_issued(issued)


def _print_issued(issued: service.IssuedKey) -> None:
    """The client and its key, the key alone on the last line; on standard output only, never
    in a log."""
    typer.echo(f"client id: {issued.client.id}")
    typer.echo(f"scopes: {' '.join(issued.client.scopes)}")
    if issued.client.area_codes:
        typer.echo(f"areas: {' '.join(issued.client.area_codes)}")
    typer.echo("API key (store it now; it is not shown again):")
    typer.echo(issued.key)


@app.command("bootstrap-admin")
def bootstrap_admin() -> None:
    """On a database without any client, create an `admin` client and print its API key, alone
    on the last line (shown only once). Refused once any client exists."""
    _require_current_schema()
    _print_issued(_in_transaction(service.create_first_admin))


def _require_current_schema() -> None:
    """Stop with what to do when the database is not migrated, rather than a driver's error."""

    async def state() -> SchemaState:
        database = Database()
        try:
            async with database.engine.connect() as connection:
                return await schema_state(connection)
        finally:
            await database.dispose()

    problem = SCHEMA_PROBLEMS.get(asyncio.run(state()))
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(code=1)


@app.command("list")
def list_clients() -> None:
    """List clients with their status, scopes and areas (never their keys)."""
    now = utcnow()
    for client in _in_transaction(service.list_clients):
        status = "active" if client.is_active(now) else "revoked/expired"
        areas = ",".join(client.area_codes) or "all areas"
        typer.echo(f"{client.id}  {status:16} {client.name}  [{' '.join(client.scopes)}]  {areas}")


@app.command()
def rotate(
    client_id: Annotated[str, typer.Argument(help="The client's id.")],
    grace_hours: Annotated[
        int, typer.Option(min=0, help="Hours the current keys keep working.")
    ] = 0,
) -> None:
    """Issue a new key; the client's current keys stop after the grace period."""

    async def work(session: AsyncSession) -> service.IssuedKey:
        client = await service.get_client(session, _client_id(client_id))
        return await service.rotate_key(session, client, grace=timedelta(hours=grace_hours))

    issued = _in_transaction(work)
    typer.echo(f"client id: {issued.client.id}")
    typer.echo("New API key (store it now; it is not shown again):")
    typer.echo(issued.key)


@app.command()
def revoke(client_id: Annotated[str, typer.Argument(help="The client's id.")]) -> None:
    """Stop every credential of the client at once, access tokens included."""

    async def work(session: AsyncSession) -> None:
        client = await service.get_client(session, _client_id(client_id))
        await service.revoke_client(session, client)

    _in_transaction(work)
    typer.echo(f"revoked {client_id}")
