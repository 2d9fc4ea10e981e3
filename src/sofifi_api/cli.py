"""The `sofifi-api` command line: serve, migrate and seed the database."""

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from alembic import command
from alembic.config import Config

from sofifi_api.changes.cli import app as changes_app
from sofifi_api.clients.cli import app as clients_app
from sofifi_api.config import get_settings
from sofifi_api.logs import configure_logging
from sofifi_api.participants.cli import app as participants_app

app = typer.Typer(
    help="Sofifi API: partner integrations for community assistance work.", no_args_is_help=True
)
app.add_typer(changes_app, name="changes")
app.add_typer(clients_app, name="clients")
app.add_typer(participants_app, name="participants")
logger = logging.getLogger("sofifi_api.cli")


def alembic_config(database_url: str | None = None) -> Config:
    """The project's alembic.ini: in the working directory, or beside the source tree."""
    candidates = [Path.cwd() / "alembic.ini", Path(__file__).resolve().parents[2] / "alembic.ini"]
    ini = next((path for path in candidates if path.is_file()), None)
    if ini is None:
        raise typer.BadParameter("alembic.ini not found; run from the project directory.")
    config = Config(str(ini))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    downgrade: Annotated[bool, typer.Option(help="Go down to REVISION instead of up.")] = False,
) -> None:
    """Bring the database schema to REVISION (default: the latest)."""
    config = alembic_config()
    if downgrade:
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind; default HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default PORT or 8000.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
) -> None:
    """Serve the API with Uvicorn."""
    settings = get_settings()
    uvicorn.run(
        "sofifi_api.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        proxy_headers=True,
        log_config=None,
    )


@app.command("seed-demo")
def seed_demo() -> None:
    """Load a small, clearly illustrative data set drawn from community work in Sofifi."""
    from sofifi_api.demo import seed

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    summary = asyncio.run(seed())
    for line in summary:
        typer.echo(line)
