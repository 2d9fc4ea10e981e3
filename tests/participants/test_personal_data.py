"""Personal data (NIK, phone, exact birth date) never reaches logs, lists or error texts."""

import logging
from collections.abc import Iterator

import httpx
import pytest

from tests.factories import create_person
from tests.participants.conftest import NIK, PHONE


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + repr(record.__dict__))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Everything the service logs at its most verbose level, and all that reaches the root."""
    records = _Records()
    service, root = logging.getLogger("sofifi_api"), logging.getLogger()
    level = service.level
    service.setLevel(logging.DEBUG)
    service.addHandler(records)
    root.addHandler(records)
    yield records.lines
    root.removeHandler(records)
    service.removeHandler(records)
    service.setLevel(level)


async def test_personal_data_never_reaches_the_logs(
    client: httpx.AsyncClient, log_lines: list[str]
) -> None:
    created = await create_person(client, nik=NIK, phone=PHONE, birth_date="1986-07-01")
    await client.get(f"/v1/participants/{created['id']}")
    await client.get("/v1/participants")
    await client.post("/v1/participants", json={"kind": "person", "full_name": "Siti", "nik": NIK})
    await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti", "nik": NIK[:9]}
    )
    await client.post(
        "/v1/participants", json={"kind": "person", "full_name": "Siti", "phone": PHONE + "99"}
    )

    assert log_lines, "the access log should have recorded the requests"
    logged = "\n".join(log_lines)
    assert NIK[:9] not in logged
    assert PHONE[3:] not in logged
    assert "1986-07-01" not in logged


async def test_location_header_carries_only_the_id(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Siti Hadija", "nik": NIK, "phone": PHONE},
    )

    location = response.headers["Location"]
    assert location.endswith(f"/v1/participants/{response.json()['id']}")
    assert NIK not in location
    assert PHONE[3:] not in location
