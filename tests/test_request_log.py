"""One JSON log line per request, naming the request, the client, the route template, the
status and the duration, and never personal data; SOFIFI_LOG_LEVEL is honoured."""

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service as clients_service
from sofifi_api.config import Settings, get_settings
from sofifi_api.db import Database
from tests.conftest import TestTransaction, build_app
from tests.participants.conftest import NIK, PHONE

LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_level(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SOFIFI_LOG_LEVEL for the application the test builds (INFO unless parametrized)."""
    monkeypatch.setenv("SOFIFI_LOG_LEVEL", getattr(request, "param", "INFO"))
    monkeypatch.setenv("SOFIFI_LOG_FORMAT", "json")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def app(
    log_level: None,
    database: Database,
    connection: AsyncConnection,
    test_transaction: TestTransaction,
) -> Iterator[FastAPI]:
    """An application of the test's own: it configures logging from the settings as it starts."""
    test_transaction.connection = connection
    yield build_app(database, test_transaction)
    test_transaction.connection = None


@pytest.fixture
def service_log(log_level: None, app: FastAPI) -> Iterator[LogLines]:
    """The lines the service and every library write, parsed: the application's formatter and
    levels as configured from the settings, writing to a buffer as well as to standard error."""
    service, root = logging.getLogger("sofifi_api"), logging.getLogger()
    (configured,) = [h for h in service.handlers if type(h) is logging.StreamHandler]
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(configured.formatter)
    service.addHandler(handler)
    root.addHandler(handler)

    def lines() -> list[dict[str, Any]]:
        written = buffer.getvalue().splitlines()
        buffer.seek(0)
        buffer.truncate()
        return [json.loads(line) for line in written]

    yield lines
    root.removeHandler(handler)
    service.removeHandler(handler)


def request_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["event"] == "request"]


async def test_each_request_is_one_json_line_with_its_id_client_route_status_and_duration(
    log_level: None,
    service_log: LogLines,
    session: AsyncSession,
    anonymous_client: httpx.AsyncClient,
) -> None:
    issued = await clients_service.create_client(
        session, name="Logged partner", scopes=["programs:read"]
    )
    await session.flush()
    headers = {"Authorization": f"Bearer {issued.key}", "Request-Id": "req-observability-1"}

    response = await anonymous_client.get("/v1/programs", headers=headers)

    (line,) = request_lines(service_log())
    assert response.status_code == 200
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert line["request_id"] == "req-observability-1"
    assert line["client_id"] == str(issued.client.id)
    assert line["method"] == "GET"
    assert line["route"] == "/v1/programs"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert "timestamp" in line


async def test_the_request_line_names_the_route_template_not_the_path(
    log_level: None, service_log: LogLines, client: httpx.AsyncClient
) -> None:
    program_id = "0199a3c4-0000-7000-8000-000000000001"
    service_log()

    await client.get(f"/v1/programs/{program_id}", params={"q": PHONE})

    (line,) = request_lines(service_log())
    assert line["route"] == "/v1/programs/{program_id}"
    assert line["status"] == 404


async def test_an_anonymous_request_is_logged_without_a_client(
    log_level: None, service_log: LogLines, anonymous_client: httpx.AsyncClient
) -> None:
    service_log()

    await anonymous_client.get("/v1/programs")

    (line,) = request_lines(service_log())
    assert line["client_id"] is None
    assert line["route"] == "/v1/programs"
    assert line["status"] == 401


async def test_lines_written_while_a_request_is_served_carry_its_id(
    log_level: None, service_log: LogLines, client: httpx.AsyncClient
) -> None:
    service_log()

    await client.post(
        "/v1/organizations",
        json={"name": "Dinas Sosial", "kind": "government"},
        headers={"Request-Id": "req-observability-2"},
    )

    lines = [line for line in service_log() if line["logger"].startswith("sofifi_api")]
    assert lines
    assert {line.get("request_id") for line in lines} == {"req-observability-2"}


@pytest.mark.parametrize("log_level", ["DEBUG"], indirect=True)
async def test_personal_data_in_bodies_and_queries_is_never_logged_even_at_debug(
    log_level: None, service_log: LogLines, client: httpx.AsyncClient
) -> None:
    service_log()

    created = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": NIK, "phone": PHONE},
    )
    await client.post("/v1/participants/lookup", json={"nik": NIK})
    await client.get("/v1/participants", params={"phone": PHONE, "nik": NIK})
    await client.post("/v1/participants", json={"kind": "person", "nik": NIK[:9], "phone": 7})

    assert created.status_code == 201
    lines = service_log()
    assert len(request_lines(lines)) == 4
    logged = json.dumps(lines)
    assert NIK[:9] not in logged
    assert PHONE[3:] not in logged


@pytest.mark.parametrize("log_level", ["DEBUG"], indirect=True)
async def test_debug_level_writes_debug_lines(
    log_level: None, service_log: LogLines, client: httpx.AsyncClient
) -> None:
    service_log()

    await client.get("/v1/programs")

    debug = [line for line in service_log() if line["level"] == "debug"]
    assert {line["event"] for line in debug} >= {"request received", "authenticated"}


async def test_info_level_writes_no_debug_lines(
    log_level: None, service_log: LogLines, client: httpx.AsyncClient
) -> None:
    service_log()

    await client.get("/v1/programs")

    lines = service_log()
    assert request_lines(lines)
    assert [line for line in lines if line["level"] == "debug"] == []


def test_the_log_level_and_format_are_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFIFI_LOG_LEVEL", "debug")
    monkeypatch.setenv("SOFIFI_LOG_FORMAT", "Console")

    settings = Settings()

    assert (settings.log_level, settings.log_format) == ("DEBUG", "console")


def test_an_unknown_log_level_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFIFI_LOG_LEVEL", "verbose")

    with pytest.raises(ValidationError):
        Settings()
