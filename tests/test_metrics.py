"""GET /metrics: Prometheus metrics of requests, the database pool and rate-limit refusals,
summed over worker processes in multi-process mode."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api import metrics
from sofifi_api.auth.throttle import FailureLimits
from sofifi_api.clients import service as clients_service
from sofifi_api.db import create_engine
from tests.metrics import sample_value, scraped

ROOT = Path(__file__).resolve().parents[1]


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


async def test_requests_are_counted_by_route_template_method_and_status(
    client: httpx.AsyncClient,
) -> None:
    program_id = uuid.uuid4()
    assert (await client.get(f"/v1/programs/{program_id}")).status_code == 404

    exposition = await scrape(client)

    counted = sample_value(
        exposition,
        "sofifi_http_requests_total",
        method="GET",
        route="/v1/programs/{program_id}",
        status="404",
    )
    assert counted is not None
    assert counted >= 1
    assert str(program_id) not in exposition


async def test_request_latency_is_a_histogram_per_route_and_method(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/v1/programs")).status_code == 200

    exposition = await scrape(client)

    labels = {"method": "GET", "route": "/v1/programs"}
    count = sample_value(exposition, "sofifi_http_request_duration_seconds_count", **labels)
    assert count is not None
    assert count >= 1
    everything = sample_value(
        exposition, "sofifi_http_request_duration_seconds_bucket", le="+Inf", **labels
    )
    assert everything == count
    assert sample_value(exposition, "sofifi_http_request_duration_seconds_sum", **labels)


async def test_requests_refused_before_routing_are_counted_under_their_route(
    anonymous_client: httpx.AsyncClient,
) -> None:
    before = scraped("sofifi_http_requests_total", method="GET", route="/v1/programs", status="401")
    assert (await anonymous_client.get("/v1/programs?nik=8272024107860001")).status_code == 401

    exposition = await scrape(anonymous_client)

    after = sample_value(
        exposition, "sofifi_http_requests_total", method="GET", route="/v1/programs", status="401"
    )
    assert after == before + 1
    assert "8272024107860001" not in exposition


async def test_paths_no_route_knows_share_one_label(
    anonymous_client: httpx.AsyncClient,
) -> None:
    before = scraped("sofifi_http_requests_total", method="GET", route="unmatched", status="404")
    assert (await anonymous_client.get("/no/such/path/siti-hadija")).status_code == 404

    exposition = await scrape(anonymous_client)

    after = sample_value(
        exposition, "sofifi_http_requests_total", method="GET", route="unmatched", status="404"
    )
    assert after == before + 1
    assert "siti-hadija" not in exposition


async def test_the_pool_reports_connections_in_use(client: httpx.AsyncClient) -> None:
    # The test's own connection (its rolled-back transaction) is checked out of the pool.
    exposition = await scrape(client)

    in_use = sample_value(exposition, "sofifi_db_pool_connections_in_use")
    assert in_use is not None
    assert in_use >= 1
    for name in ("sofifi_db_pool_overflow", "sofifi_db_pool_waiting", "sofifi_db_pool_size"):
        assert sample_value(exposition, name) is not None


async def test_the_pool_reports_tasks_waiting_for_a_connection(migrated_url: str) -> None:
    engine = create_engine(migrated_url, pool_size=1, max_overflow=0, pool_timeout=10)
    metrics.watch_pool(engine)
    try:
        waiting_before = scraped("sofifi_db_pool_waiting")
        async with engine.connect():
            queued = asyncio.create_task(engine.connect().start())
            for _ in range(100):
                if scraped("sofifi_db_pool_waiting") > waiting_before:
                    break
                await asyncio.sleep(0.01)
            assert scraped("sofifi_db_pool_waiting") == waiting_before + 1
        await (await queued).close()
        assert scraped("sofifi_db_pool_waiting") == waiting_before
    finally:
        await engine.dispose()


async def test_refusals_of_a_spent_quota_are_counted(
    app: FastAPI, session: AsyncSession, anonymous_client: httpx.AsyncClient
) -> None:
    issued = await clients_service.create_client(
        session, name="Hasty partner", scopes=["programs:read"], rate_limit_per_minute=1
    )
    await session.flush()
    before = scraped("sofifi_rate_limit_refusals_total", policy="default")
    key = {"Authorization": f"Bearer {issued.key}"}

    statuses = [
        (await anonymous_client.get("/v1/programs", headers=key)).status_code for _ in range(2)
    ]

    assert statuses == [200, 429]
    exposition = await scrape(anonymous_client)
    assert sample_value(exposition, "sofifi_rate_limit_refusals_total", policy="default") == (
        before + 1
    )


async def test_refusals_of_too_many_failed_authentications_are_counted(
    app: FastAPI, anonymous_client: httpx.AsyncClient
) -> None:
    app.state.failed_auth_limits = FailureLimits(per_address=1, per_client=1)
    before = scraped("sofifi_rate_limit_refusals_total", policy="failed-auth")
    wrong = {"Authorization": f"Bearer sfk_{uuid.uuid4().hex[:10]}_{'x' * 43}"}

    statuses = [
        (await anonymous_client.get("/v1/programs", headers=wrong)).status_code for _ in range(2)
    ]

    assert statuses == [401, 429]
    exposition = await scrape(anonymous_client)
    assert sample_value(exposition, "sofifi_rate_limit_refusals_total", policy="failed-auth") == (
        before + 1
    )


async def test_metrics_are_not_an_operation_of_the_api(
    anonymous_client: httpx.AsyncClient,
) -> None:
    document = (await anonymous_client.get("/openapi.json")).json()

    assert "/metrics" not in document["paths"]


async def test_metrics_are_open_without_a_metrics_token(
    anonymous_client: httpx.AsyncClient,
) -> None:
    assert (await anonymous_client.get("/metrics")).status_code == 200


async def test_a_metrics_token_is_required_once_set(
    app: FastAPI, anonymous_client: httpx.AsyncClient
) -> None:
    app.state.metrics_token = SecretStr("scrape-token-of-the-monitoring")

    missing = await anonymous_client.get("/metrics")
    wrong = await anonymous_client.get("/metrics", headers={"Authorization": "Bearer nope"})
    right = await anonymous_client.get(
        "/metrics", headers={"Authorization": "Bearer scrape-token-of-the-monitoring"}
    )

    assert [missing.status_code, wrong.status_code, right.status_code] == [401, 401, 200]
    assert missing.headers["content-type"] == "application/problem+json"
    assert "sofifi_http_requests_total" in right.text


# Two workers from one interpreter: the modules are imported once, then the process forks, as a
# pre-forking server does; each worker serves a request and uses a database connection.
WORKERS = """
import asyncio, os, sys
import httpx
from sofifi_api.db import Database
from sofifi_api.main import create_app

async def work(url: str) -> None:
    app = create_app(Database(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as http:
        assert (await http.get("/health")).status_code == 200
    async with app.state.database.engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")
    await asyncio.sleep(0)

child = os.fork()
try:
    asyncio.run(work(sys.argv[1]))
except BaseException:
    os._exit(1)
if child == 0:
    os._exit(0)
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_workers_metrics_are_summed_in_multiprocess_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "metrics"
    monkeypatch.setenv(metrics.MULTIPROCESS_DIRECTORY, "")
    metrics.prepare_multiprocess(directory)
    url = f"sqlite:///{tmp_path / 'workers.db'}"

    subprocess.run(
        [sys.executable, "-c", WORKERS, url],
        check=True,
        env=dict(os.environ),
        cwd=ROOT,
        timeout=120,
    )

    exposition = metrics.exposition(directory).decode()
    labels = {"method": "GET", "route": "/health", "status": "200"}
    assert sample_value(exposition, "sofifi_http_requests_total", **labels) == 2
    # Each worker used one connection and returned it.
    assert sample_value(exposition, "sofifi_db_pool_connections_in_use") == 0
    assert sample_value(exposition, "sofifi_db_pool_connections_idle") == 2


def test_preparing_multiprocess_mode_removes_the_metric_files_of_an_earlier_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(metrics.MULTIPROCESS_DIRECTORY, "")
    (tmp_path / "counter_4242.db").write_bytes(b"left by an earlier run")
    (tmp_path / "notes.txt").write_text("not ours")

    metrics.prepare_multiprocess(tmp_path)

    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
    assert os.environ[metrics.MULTIPROCESS_DIRECTORY] == str(tmp_path)
