"""The `sofifi-api` command line: serve, migrate and seed the database, send webhooks."""

import asyncio
import logging
import os
import signal
from typing import Annotated

import typer
import uvicorn
from alembic import command
from alembic.config import Config

from sofifi_api import metrics
from sofifi_api.areas.service import import_reference_areas
from sofifi_api.changes.cli import app as changes_app
from sofifi_api.clients.cli import app as clients_app
from sofifi_api.config import get_settings
from sofifi_api.db import Database
from sofifi_api.http_protocol import PROTOCOL
from sofifi_api.logs import configure_logging
from sofifi_api.participants.cli import app as participants_app
from sofifi_api.schema import find_alembic_ini
from sofifi_api.webhooks.engine import Engine

app = typer.Typer(
    help="Sofifi API: partner integrations for community assistance work.", no_args_is_help=True
)
app.add_typer(changes_app, name="changes")
app.add_typer(clients_app, name="clients")
app.add_typer(participants_app, name="participants")
logger = logging.getLogger("sofifi_api.cli")
# The application factory `serve` runs.
APPLICATION = "sofifi_api.main:create_app"
WORKER_HEALTHCHECK_SECONDS = 30
# Where the workers of `serve --workers N` keep their metrics unless PROMETHEUS_MULTIPROC_DIR says.
METRICS_DIRECTORY = "var/metrics"


def alembic_config(database_url: str | None = None) -> Config:
    """The project's Alembic configuration, on `database_url` (default: the service's)."""
    ini = find_alembic_ini()
    if ini is None:
        raise typer.BadParameter("alembic.ini not found; run from the project directory.")
    config = Config(str(ini))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


async def _load_reference_areas() -> int:
    database = Database()
    try:
        async with database.sessionmaker() as session, session.begin():
            return await import_reference_areas(session)
    finally:
        await database.dispose()


def migrate_to_head(*, reference_areas: bool = True) -> int:
    """Bring the schema to the latest migration, then add the official areas around Sofifi that
    the database lacks (none that it has, even deleted or edited); returns how many it added."""
    command.upgrade(alembic_config(), "head")
    return asyncio.run(_load_reference_areas()) if reference_areas else 0


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    downgrade: Annotated[bool, typer.Option(help="Go down to REVISION instead of up.")] = False,
    reference_areas: Annotated[
        bool,
        typer.Option(
            help="At the latest revision, add the packaged official areas around Sofifi that "
            "are missing (areas already there, even edited or deleted, are left alone)."
        ),
    ] = True,
) -> None:
    """Bring the database schema to REVISION (default: the latest) and, at the latest, load the
    official reference areas it lacks."""
    if downgrade:
        command.downgrade(alembic_config(), revision)
    elif revision == "head":
        added = migrate_to_head(reference_areas=reference_areas)
        if reference_areas:
            typer.echo(f"Official reference areas added: {added}")
    else:
        command.upgrade(alembic_config(), revision)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind; default HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default PORT or 8000.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes; default WEB_CONCURRENCY or 1."),
    ] = None,
) -> None:
    """Serve the API with Uvicorn (after `migrate`, with SOFIFI_MIGRATE_ON_START). On SIGTERM
    (or Ctrl-C) it stops accepting connections and lets requests and exports under way finish
    for SOFIFI_SHUTDOWN_GRACE_SECONDS, then cuts what is left and exits."""
    settings = get_settings()
    # With several workers, the supervising process's own messages (a worker died, restarted).
    configure_logging(settings.log_level)
    if settings.migrate_on_start:
        # Once, before any worker starts: workers racing to migrate would collide.
        added = migrate_to_head()
        logger.info("official reference areas added", extra={"added": added})
    processes = workers if workers is not None else int(os.environ.get("WEB_CONCURRENCY") or 1)
    shared_directory = os.environ.get(metrics.MULTIPROCESS_DIRECTORY)
    if processes > 1 or shared_directory:
        # Before the workers start: each then keeps its metrics where a scrape sums them.
        metrics.prepare_multiprocess(shared_directory or METRICS_DIRECTORY)
    uvicorn.run(
        APPLICATION,
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        # None: Uvicorn reads WEB_CONCURRENCY.
        workers=workers,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # A worker answers the supervisor's health checks once it has imported the app, which
        # on a busy host takes longer than Uvicorn's 5 s: it would be killed and started again.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        proxy_headers=True,
        log_config=None,
        # uvicorn's own, with a deadline for request headers (SOFIFI_REQUEST_HEADER_TIMEOUT_…).
        http=PROTOCOL,
    )


async def _run_webhook_worker() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    database = Database()
    try:
        engine = Engine.of(database, get_settings())
        logger.info("webhook worker started", extra={"worker": engine.worker})
        await engine.run(stop)
    finally:
        await database.dispose()


@app.command()
def worker() -> None:
    """Follow the change feed and send webhooks until SIGTERM (or Ctrl-C). Run as many as
    needed, beside or instead of the servers' own delivery (SOFIFI_WEBHOOK_DELIVERY=off):
    leases keep two workers from sending one delivery at once. Deliveries under way when it
    stops are sent again by another worker once their lease expires."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(_run_webhook_worker())


@app.command("seed-demo")
def seed_demo() -> None:
    """Load a small, clearly illustrative data set drawn from community work in Sofifi."""
    from sofifi_api.demo import seed

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    summary = asyncio.run(seed())
    for line in summary:
        typer.echo(line)
