"""The application factory: routers, error handlers and middleware, nothing else."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from sofifi_api import __version__, metrics
from sofifi_api.allowed_methods import install_allowed_methods
from sofifi_api.auth.middleware import AuthenticationMiddleware
from sofifi_api.auth.throttle import FailureLimits
from sofifi_api.conditional import install_conditional_requests
from sofifi_api.config import get_settings
from sofifi_api.db import Database
from sofifi_api.errors import install_error_handlers
from sofifi_api.exports.streams import ExportStreams
from sofifi_api.health import report_schema_state
from sofifi_api.health import router as health_router
from sofifi_api.idempotency.openapi import install_idempotency
from sofifi_api.logs import configure_logging
from sofifi_api.middleware import (
    InputLimitsMiddleware,
    RequestContextMiddleware,
    UnhandledErrorMiddleware,
)
from sofifi_api.openapi import API_DESCRIPTION, TAGS, install_document_completion
from sofifi_api.participants.crypto import keys_for
from sofifi_api.ratelimit.limiter import build_rate_limiter
from sofifi_api.ratelimit.middleware import RateLimitHeadersMiddleware
from sofifi_api.routers import include_v1
from sofifi_api.webhooks.engine import Engine
from sofifi_api.webhooks.events import document_events


def _operation_id(route: APIRoute) -> str:
    """Operation ids are the route function names (`list_programs`): stable client names."""
    return route.name


def create_app(database: Database | None = None) -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    # At start rather than at the first request that needs them: a malformed SOFIFI_PII_KEYS
    # stops the start, and without SOFIFI_SECRET_KEY the key is generated or read (and warned of).
    keys_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.database = database or Database(settings.database_url)
        await report_schema_state(app.state.database)
        metrics.watch_pool(app.state.database.engine)
        # What start-up built (modules, schemas, routes, table metadata) lives as long as the
        # process; frozen, it is no longer walked by every full collection, which the many
        # short-lived objects of a large batch or export otherwise set off again and again.
        gc.freeze()
        # A request allocates thousands of short-lived objects, nearly all freed by reference
        # counting; collecting the young generation every 700 allocations (the default) cost
        # a tenth of a simple read's time, every 50,000 does the same work less often.
        gc.set_threshold(50_000, 20, 20)
        stop_webhooks = asyncio.Event()
        webhooks = (
            asyncio.create_task(Engine.of(app.state.database, settings).run(stop_webhooks))
            if settings.webhook_delivery == "in-process"
            else None
        )
        try:
            yield
        finally:
            if webhooks is not None:
                stop_webhooks.set()
                await webhooks
            if owned:
                await app.state.database.dispose()
            await app.state.rate_limiter.close()
            metrics.process_ended()

    app = FastAPIOffline(
        title="Sofifi API",
        version=__version__,
        summary="Partner integrations for community assistance work in Sofifi, North Maluku.",
        description=API_DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        swagger_ui_parameters={"defaultModelsExpandDepth": 0, "tryItOutEnabled": True},
    )
    if database is not None:
        app.state.database = database
        metrics.watch_pool(database.engine)
    app.state.metrics_token = settings.metrics_token
    app.state.rate_limiter = build_rate_limiter(settings)
    app.state.failed_auth_limits = FailureLimits.of(settings)
    app.state.export_streams = ExportStreams.of(settings)
    install_error_handlers(app)
    install_allowed_methods(app)
    # Innermost: the request id and rate limit middleware add their headers to a 304 too.
    install_conditional_requests(app)
    # Inside the body limit: a key is only taken for a body the limit accepted.
    install_idempotency(app)
    # Last over the document: describes and links the responses the steps above added.
    install_document_completion(app)
    app.add_middleware(
        InputLimitsMiddleware,
        max_bytes=settings.max_body_bytes,
        max_batch_bytes=settings.max_batch_body_bytes,
        stall_seconds=settings.request_body_timeout_seconds,
    )
    # Outside the body limit and everything that reads a body: the credential is checked first.
    app.add_middleware(AuthenticationMiddleware)
    app.add_middleware(RateLimitHeadersMiddleware)
    # Inside the request log, which then records the 500 it answers.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health_router)
    app.include_router(metrics.router)
    include_v1(app)
    document_events(app)
    return app
