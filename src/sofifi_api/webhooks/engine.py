"""The delivery engine: follows the change feed into deliveries and sends what is due, in a
loop, and now and then prunes the delivery log past its retention. Runs inside each server
process by default (SOFIFI_WEBHOOK_DELIVERY=in-process), and in as many `sofifi-api worker`
processes as wanted: leases keep them from sending a delivery twice at once."""

import asyncio
import logging
import os
import secrets
import socket
from datetime import timedelta

from sofifi_api.config import DEFAULT_WEBHOOK_RETENTION_DAYS, Settings
from sofifi_api.db import Database, utcnow
from sofifi_api.webhooks import retention
from sofifi_api.webhooks.dispatcher import DispatchSettings, claim, deliver, dispatch_due
from sofifi_api.webhooks.follower import follow_all
from sofifi_api.webhooks.sender import DeliveryOutcome

logger = logging.getLogger(__name__)

# Deliveries one engine sends at once; more wait for the next round.
MAX_IN_FLIGHT = 100
# After rounds that failed, the longest wait before the next.
MAX_BACKOFF_SECONDS = 60.0
# How often an engine prunes the delivery log, and once when it starts.
PRUNE_INTERVAL_SECONDS = 300.0


def worker_name() -> str:
    """Who holds a lease, for operators reading the deliveries: host, process and a random
    part (a restarted process with the same pid is another worker)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class Engine:
    def __init__(
        self,
        database: Database,
        settings: DispatchSettings,
        *,
        poll_seconds: float,
        worker: str | None = None,
        retention: timedelta = timedelta(days=DEFAULT_WEBHOOK_RETENTION_DAYS),
    ) -> None:
        self.database = database
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.worker = worker or worker_name()
        self.retention = retention
        self._in_flight: set[asyncio.Task[DeliveryOutcome]] = set()
        # Set when a delivery ends: its subscription's next delivery may be claimed at once.
        self._delivered = asyncio.Event()

    @classmethod
    def of(cls, database: Database, settings: Settings) -> "Engine":
        return cls(
            database,
            DispatchSettings.of(settings),
            poll_seconds=settings.webhook_poll_seconds,
            retention=timedelta(days=settings.webhook_retention_days),
        )

    async def run_once(self) -> list[DeliveryOutcome]:
        """Follows every active subscription, then sends what is due and waits for the
        outcomes."""
        await follow_all(self.database)
        return await dispatch_due(self.database, self.worker, self.settings)

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until `stop` is set. A round does not wait for the deliveries it started:
        the next one claims new work while a slow receiver keeps its own delivery, and begins
        as soon as one of them ends (a subscription is sent one delivery at a time), else after
        the poll. Pruning, at start and then every PRUNE_INTERVAL_SECONDS, runs beside the
        rounds, so a long backlog of it delays no delivery. On stop, deliveries under way are
        cancelled; their leases expire and they are sent again."""
        loop = asyncio.get_running_loop()
        failures = 0
        pruning: asyncio.Task[None] | None = None
        next_prune = loop.time()
        try:
            while not stop.is_set():
                if loop.time() >= next_prune and (pruning is None or pruning.done()):
                    pruning = asyncio.create_task(self.prune())
                    next_prune = loop.time() + PRUNE_INTERVAL_SECONDS
                try:
                    await follow_all(self.database)
                    await self._start_due()
                    failures = 0
                except Exception:
                    # The database is away, or the schema behind: wait longer each time.
                    failures += 1
                    logger.exception("webhook engine round failed")
                wait = min(MAX_BACKOFF_SECONDS, self.poll_seconds * 2 ** min(failures, 16))
                await self._pause(stop, wait, woken=failures == 0)
        finally:
            under_way = [*self._in_flight, *([pruning] if pruning is not None else [])]
            for task in under_way:
                task.cancel()
            await asyncio.gather(*under_way, return_exceptions=True)

    async def prune(self) -> None:
        """Removes what is past the retention; a failure is logged, and delivery goes on."""
        try:
            await retention.prune(self.database, utcnow() - self.retention)
        except Exception:
            logger.exception("webhook delivery log pruning failed")

    async def _pause(self, stop: asyncio.Event, seconds: float, *, woken: bool) -> None:
        """Until `stop` is set or `seconds` pass; or, `woken`, until a delivery ends."""
        waits = [asyncio.ensure_future(stop.wait())]
        if woken:
            waits.append(asyncio.ensure_future(self._delivered.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        self._delivered.clear()

    async def _start_due(self) -> None:
        claimed = await claim(
            self.database, self.worker, MAX_IN_FLIGHT - len(self._in_flight), self.settings.lease
        )
        for delivery in claimed:
            task = asyncio.create_task(deliver(self.database, self.worker, delivery, self.settings))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[DeliveryOutcome]) -> None:
        self._in_flight.discard(task)
        self._delivered.set()
        if not task.cancelled() and task.exception() is not None:
            logger.error("webhook delivery failed to record", exc_info=task.exception())
