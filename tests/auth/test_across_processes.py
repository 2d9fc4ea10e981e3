"""A revocation or a withdrawn scope made through one server process stops the credential on
another process within a second, though each holds what credentials opened a moment ago."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.databases import migrated_database
from tests.faults.conftest import create_partner
from tests.faults.server import ServerProcess

# The contract: on every process, a second after the change was acknowledged.
WITHIN_SECONDS = 1.0


@dataclass(frozen=True)
class TwoProcesses:
    """Two servers on one database, and an administrator's headers."""

    first: ServerProcess
    second: ServerProcess
    admin: dict[str, str]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoProcesses]:
    directory = tmp_path_factory.mktemp("two-processes")
    with migrated_database(directory) as url:
        admin = create_partner(url).headers
        first = ServerProcess(url, Path(directory / "first.log"))
        second = ServerProcess(url, Path(directory / "second.log"))
        try:
            # Side by side: each takes seconds to import the service and prepare its routes.
            with ThreadPoolExecutor() as starting:
                list(starting.map(ServerProcess.start, (first, second)))
            yield TwoProcesses(first, second, admin)
        finally:
            first.stop()
            second.stop()


def _create_partner(processes: TwoProcesses, *scopes: str) -> tuple[str, dict[str, str]]:
    response = httpx.post(
        f"{processes.first.url}/v1/clients",
        json={"name": "Aplikasi lapangan Oba", "scopes": list(scopes)},
        headers=processes.admin,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"Authorization": f"Bearer {body['api_key']}"}


def _answers_within_deadline(url: str, headers: dict[str, str], status: int) -> bool:
    """Whether `url` answers `status` before the deadline, asking again until it does."""
    deadline = time.monotonic() + WITHIN_SECONDS
    while True:
        if httpx.get(url, headers=headers, timeout=WITHIN_SECONDS).status_code == status:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _access_token(processes: TwoProcesses, client_id: str, key: dict[str, str]) -> dict[str, str]:
    bought = httpx.post(
        f"{processes.first.url}/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": key["Authorization"].removeprefix("Bearer "),
        },
        timeout=30,
    )
    assert bought.status_code == 200, bought.text
    return {"Authorization": f"Bearer {bought.json()['access_token']}"}


@pytest.mark.parametrize("credential", ["api_key", "access_token"])
def test_a_client_revoked_through_one_process_is_refused_by_the_other_within_a_second(
    two_processes: TwoProcesses, credential: str
) -> None:
    client_id, partner = _create_partner(two_processes, "areas:read")
    if credential == "access_token":
        partner = _access_token(two_processes, client_id, partner)
    areas_on_second = f"{two_processes.second.url}/v1/areas"
    assert httpx.get(areas_on_second, headers=partner).status_code == 200

    revoked = httpx.post(
        f"{two_processes.first.url}/v1/clients/{client_id}/revoke",
        headers=two_processes.admin,
        timeout=30,
    )
    assert revoked.status_code == 200

    assert _answers_within_deadline(areas_on_second, partner, 401)


def test_a_scope_withdrawn_through_one_process_stops_on_the_other_within_a_second(
    two_processes: TwoProcesses,
) -> None:
    client_id, partner = _create_partner(two_processes, "areas:read", "programs:read")
    programs_on_second = f"{two_processes.second.url}/v1/programs"
    assert httpx.get(programs_on_second, headers=partner).status_code == 200

    patched = httpx.patch(
        f"{two_processes.first.url}/v1/clients/{client_id}",
        json={"scopes": ["areas:read"]},
        headers=two_processes.admin,
        timeout=30,
    )
    assert patched.status_code == 200

    assert _answers_within_deadline(programs_on_second, partner, 403)
