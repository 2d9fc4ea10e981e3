"""A real server process on a throwaway PostgreSQL database reached through a `TcpProxy`."""

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.databases import issue_client, migrated_database
from tests.faults.proxy import TcpProxy
from tests.faults.server import FAULT_TIMEOUTS, ServerProcess


@dataclass(frozen=True)
class Partner:
    client_id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass(frozen=True)
class FaultyDatabase:
    """The server, the proxy between it and its database, and a partner it knows."""

    server: ServerProcess
    proxy: TcpProxy
    partner: Partner
    database_url: str


async def _create_partner(url: str) -> Partner:
    issued = await issue_client(url, "admin")
    return Partner(client_id=str(issued.client.id), key=issued.key)


def create_partner(url: str) -> Partner:
    return asyncio.run(_create_partner(url))


@pytest.fixture(scope="module")
def faulty_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyDatabase]:
    if not os.environ.get("SOFIFI_TEST_DATABASE_URL", "").startswith("postgres"):
        pytest.skip("database faults are played on PostgreSQL (SOFIFI_TEST_DATABASE_URL)")
    directory = tmp_path_factory.mktemp("faults")
    with migrated_database(directory) as url:
        partner = create_partner(url)
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxy.start()
        proxied = target.set(host="127.0.0.1", port=proxy.port)
        server = ServerProcess(
            proxied.render_as_string(hide_password=False),
            Path(directory / "server.log"),
            **FAULT_TIMEOUTS,
        )
        try:
            server.start()
            yield FaultyDatabase(server=server, proxy=proxy, partner=partner, database_url=url)
        finally:
            server.stop()
            proxy.stop()
