"""How many exports may stream at once: a few per client, a few more in all.

An export holds a database connection (of the exports' own pool) for as long as its client
reads, so the number under way is bounded: past a client's share, that client is answered
429; past the total, anyone is answered 503. Both say when to retry. The counts are those of
one process: with several worker processes or replicas, each admits its own share.
"""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sofifi_api.config import Settings
from sofifi_api.errors import ApiError

# Seconds a refused client is asked to wait: about the time a short export takes.
RETRY_AFTER_SECONDS = 5


class TooManyExports(ApiError):
    status, title, slug = 429, "Too many exports", "too-many-exports"


class ExportsBusy(ApiError):
    status, title, slug = 503, "Exports busy", "exports-busy"


class ExportStreams:
    """The exports under way in this process, by client, and how long each may wait for its
    client to read."""

    def __init__(self, *, per_client: int, total: int, send_timeout: float) -> None:
        self.per_client = per_client
        self.total = total
        self.send_timeout = send_timeout
        self.open: Counter[str] = Counter()

    @classmethod
    def of(cls, settings: Settings) -> "ExportStreams":
        return cls(
            per_client=settings.export_streams_per_client,
            total=settings.export_streams_total,
            send_timeout=settings.export_send_timeout_seconds,
        )

    @property
    def count(self) -> int:
        return self.open.total()

    @asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        """Holds one of `client`'s streams while the export runs; refused if none is free."""
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if self.open[client] >= self.per_client:
            raise TooManyExports(
                f"This client already has {self.per_client} exports under way; finish one, "
                "or retry after Retry-After seconds.",
                headers=retry,
            )
        if self.count >= self.total:
            raise ExportsBusy(
                "The service is streaming as many exports as it can; retry after "
                "Retry-After seconds.",
                headers=retry,
            )
        self.open[client] += 1
        try:
            yield
        finally:
            self.open[client] -= 1
            if not self.open[client]:
                del self.open[client]
