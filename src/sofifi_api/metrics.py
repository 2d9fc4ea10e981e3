"""Prometheus metrics, served at `GET /metrics` in the text exposition format.

One process: the metrics live in prometheus-client's default registry, and the database pool is
sampled when scraped. Several worker processes: `prepare_multiprocess(directory)` in the parent,
before any worker starts, makes every worker write its metrics to files in `directory`, and a
scrape answered by any worker sums them (prometheus-client's multiprocess mode).
"""

import asyncio
import os
import secrets
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import SecretStr
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from sofifi_api.errors import ApiError

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
# Requests that match no route share one label: raw paths would make a series per URL and
# could carry personal data.
UNMATCHED_ROUTE = "unmatched"

REQUESTS = Counter(
    "sofifi_http_requests",
    "Requests answered, by route template, method and status.",
    ["method", "route", "status"],
)
REQUEST_DURATION = Histogram(
    "sofifi_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response (an export: its whole stream).",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
EXPORT_STREAMS_OPEN = Gauge(
    "sofifi_export_streams_open",
    "Export responses being streamed now.",
    multiprocess_mode="livesum",
)
WEBHOOK_DELIVERIES = Counter(
    "sofifi_webhook_deliveries",
    "Webhook delivery attempts by result: `succeeded`; `retried` (failed, tried again later); "
    "`failed` (the last attempt of the retry schedule failed: the subscription is disabled).",
    ["result"],
)
WEBHOOK_DELIVERY_LAG = Histogram(
    "sofifi_webhook_delivery_lag_seconds",
    "Time from an event being queued (its change read from the feed) to its successful delivery.",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600),
)
RATE_LIMIT_REFUSALS = Counter(
    "sofifi_rate_limit_refusals",
    "Requests refused with 429, by policy: `default` (a client's request quota) or "
    "`failed-auth` (too many failed authentications from an address or for a client).",
    ["policy"],
)

_POOL_METRICS = {
    "in_use": ("sofifi_db_pool_connections_in_use", "Database connections checked out now."),
    "idle": ("sofifi_db_pool_connections_idle", "Database connections open and idle."),
    "overflow": (
        "sofifi_db_pool_overflow",
        "Connections open beyond the pool size (up to its max overflow).",
    ),
    "waiting": (
        "sofifi_db_pool_waiting",
        "Tasks waiting for a database connection because the pool is exhausted.",
    ),
    "size": ("sofifi_db_pool_size", "Connections the pool keeps open."),
}


# prometheus-client chose, when first imported, whether metric values live in files shared by
# worker processes (PROMETHEUS_MULTIPROC_DIR set) or in this process's memory.
MULTIPROCESS = values.ValueClass is not values.MutexValue


def prepare_multiprocess(directory: str | Path) -> None:
    """Multi-process mode for the worker processes this process starts afterwards: each writes its
    metrics to files in `directory`, and a scrape answered by any of them sums them all. The
    metric files an earlier run left there are removed: they would be counted again."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for left in path.glob("*.db"):
        left.unlink()
    os.environ[MULTIPROCESS_DIRECTORY] = str(path)


def process_ended() -> None:
    """Forgets this worker's live gauges (open export streams, pool) once it stops."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class PoolSample:
    in_use: int
    idle: int
    overflow: int
    waiting: int
    size: int


def sample_pool(engine: Engine) -> PoolSample | None:
    """The pool's state now; None for pools that do not queue (SQLite in memory)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return PoolSample(
        in_use=pool.checkedout(),
        idle=pool.checkedin(),
        overflow=max(0, pool.overflow()),
        waiting=_waiting(pool),
        size=pool.size(),
    )


def _waiting(pool: QueuePool) -> int:
    # SQLAlchemy exposes no count of waiters; asyncio's queue keeps one future per waiting get.
    queue: Any = getattr(getattr(pool, "_pool", None), "_queue", None)
    getters: Iterable[Any] = getattr(queue, "_getters", ())
    return sum(1 for getter in getters if not getter.done())


class _PoolCollector(Collector):
    """Samples the pools of this process's engines when scraped."""

    def __init__(self) -> None:
        self.engines: weakref.WeakSet[Engine] = weakref.WeakSet()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        samples = [s for s in map(sample_pool, list(self.engines)) if s is not None]
        for field, (name, documentation) in _POOL_METRICS.items():
            yield GaugeMetricFamily(
                name, documentation, value=sum(getattr(s, field) for s in samples)
            )


_pools = _PoolCollector()
_pool_gauges: dict[str, Gauge] = {}
if MULTIPROCESS:
    # Sampled at every checkout and return, summed over the live workers when scraped.
    _pool_gauges = {
        field: Gauge(name, documentation, multiprocess_mode="livesum")
        for field, (name, documentation) in _POOL_METRICS.items()
    }
else:
    REGISTRY.register(_pools)


def watch_pool(engine: AsyncEngine) -> None:
    """Reports the engine's connection pool in the metrics."""
    sync_engine = engine.sync_engine
    if not _pool_gauges:
        _pools.engines.add(sync_engine)
        return
    if sync_engine in _pools.engines:
        return
    _pools.engines.add(sync_engine)

    def record(*_args: object) -> None:
        sample = sample_pool(sync_engine)
        if sample is not None:
            for field, gauge in _pool_gauges.items():
                gauge.set(getattr(sample, field))

    def record_once_returned(*_args: object) -> None:
        # The event comes just before the connection is back in the pool.
        try:
            asyncio.get_running_loop().call_soon(record)
        except RuntimeError:
            record()

    event.listen(sync_engine, "checkout", record)
    event.listen(sync_engine, "checkin", record_once_returned)


def exposition(directory: str | Path | None = None) -> bytes:
    """Every metric of this process; of every worker in multi-process mode (or of those that
    wrote to `directory`)."""
    if directory is None and MULTIPROCESS:
        directory = os.environ[MULTIPROCESS_DIRECTORY]
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


class MetricsUnauthorized(ApiError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self) -> None:
        super().__init__(
            "Send the metrics token (SOFIFI_METRICS_TOKEN) as `Authorization: Bearer …`.",
            headers={"WWW-Authenticate": 'Bearer realm="sofifi-api-metrics"'},
        )


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def get_metrics(request: Request) -> Response:
    """Prometheus text exposition; behind a bearer token when SOFIFI_METRICS_TOKEN is set."""
    token: SecretStr | None = request.app.state.metrics_token
    if token is not None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            credential.strip().encode(), expected
        ):
            raise MetricsUnauthorized
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
