"""What a credential opened a moment ago, so that authenticating a request costs no query.

An entry is held for at most `HOLD_SECONDS`: a revocation, rotation, scope or area change made
by another process (another worker, `sofifi-api clients revoke`) is honoured on every process
within a second, with no message between them. A change written through this process clears
the cache at once, at its flush and again when its transaction ends. Expiry (the client's, or
a rotated key's end of grace) is checked against the clock on every request, cached or not.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from sofifi_api.auth.principal import Principal
from sofifi_api.clients.models import ApiClient, ApiKey
from sofifi_api.clients.service import LiveKey
from sofifi_api.db import utcnow

# Under a second with room to spare: a request that read the row just before a change may
# still be answered, but none that arrives a second after it.
HOLD_SECONDS = 0.5
# Only credentials that opened the API are held, each for half a second; the bound keeps a
# burst of distinct valid keys or tokens from growing the process without limit.
MAX_ENTRIES = 10_000

_CHANGED = "credentials_changed"
# What a load that raised gives the requests that waited for it.
_FAILED = object()


@dataclass(frozen=True)
class Grant:
    """The principal a live key makes of its client, and until when at the latest."""

    # With every scope the client holds; a token narrows them to its own.
    principal: Principal
    # The earlier of the key's and the client's expiry; None: neither expires.
    lapses_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey, client: ApiClient) -> "Grant":
        ends = [moment for moment in (key.expires_at, client.expires_at) if moment is not None]
        principal = Principal(
            client_id=client.id,
            name=client.name,
            scopes=frozenset(client.scopes),
            area_codes=tuple(client.area_codes),
            credential="api_key",
            rate_limit_per_minute=client.rate_limit_per_minute,
        )
        return cls(principal=principal, lapses_at=min(ends, default=None))

    def is_live(self, now: datetime) -> bool:
        return self.lapses_at is None or self.lapses_at > now


class GrantCache:
    """Grants by a key's digest or a token's key id; never a raw key, never a refusal."""

    def __init__(
        self,
        hold_seconds: float = HOLD_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hold_seconds = hold_seconds
        self.max_entries = max_entries
        self._clock = clock
        # Insertion order is age order: the oldest entry is always the first.
        self._entries: dict[str, tuple[float, Grant]] = {}
        self._generation = 0
        # Loads under way, by key: what requests missing the same key meanwhile wait for.
        self._loading: dict[str, asyncio.Future[Grant | object | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def grant(
        self, cache_key: str, load: Callable[[], Awaitable[LiveKey | None]]
    ) -> Grant | None:
        """The grant `cache_key` names if it is live now, loaded with `load` unless held."""
        grant = self._held(cache_key)
        if grant is None:
            grant = await self._load(cache_key, load)
            if grant is None:
                return None
        return grant if grant.is_live(utcnow()) else None

    async def _load(
        self, cache_key: str, load: Callable[[], Awaitable[LiveKey | None]]
    ) -> Grant | None:
        """One load of a key at a time: requests that miss it together (its hold ended under
        load) wait for the first one's instead of each querying. If that load fails, each
        waiting request loads it itself."""
        pending = self._loading.get(cache_key)
        if pending is not None:
            loaded = await asyncio.shield(pending)
            if loaded is not _FAILED:
                return cast(Grant | None, loaded)
            return await self._load(cache_key, load)
        future: asyncio.Future[Grant | object | None] = asyncio.get_running_loop().create_future()
        self._loading[cache_key] = future
        try:
            generation = self._generation
            live = await load()
            grant = None if live is None else Grant.of(live.key, live.client)
            # A change committed while the row was read may have cleared the cache since.
            if grant is not None and generation == self._generation:
                self._hold(cache_key, grant)
        except BaseException:
            future.set_result(_FAILED)
            raise
        else:
            future.set_result(grant)
            return grant
        finally:
            del self._loading[cache_key]

    def clear(self) -> None:
        self._entries.clear()
        self._generation += 1

    def _held(self, cache_key: str) -> Grant | None:
        entry = self._entries.get(cache_key)
        if entry is None:
            return None
        held_since, grant = entry
        if self._clock() - held_since >= self.hold_seconds:
            del self._entries[cache_key]
            return None
        return grant

    def _hold(self, cache_key: str, grant: Grant) -> None:
        now = self._clock()
        self._entries.pop(cache_key, None)
        while self._entries:
            oldest = next(iter(self._entries))
            if len(self._entries) < self.max_entries and (
                now - self._entries[oldest][0] < self.hold_seconds
            ):
                break
            del self._entries[oldest]
        self._entries[cache_key] = (now, grant)


grant_cache = GrantCache()


def _after_flush(session: Session, _context: Any) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(instance, ApiClient | ApiKey) for instance in changed):
        session.info[_CHANGED] = True
        grant_cache.clear()


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Cleared again once the change is visible, in case a request read the row in between.
    if transaction.parent is None and session.info.pop(_CHANGED, False):
        grant_cache.clear()


def install() -> None:
    """Listen on every session for writes to clients and keys."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()
