"""`sofifi-api serve` on SIGTERM: requests and exports under way finish, or end when the grace
period does, and the process exits; `--workers` runs several processes."""

import signal
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.serving.conftest import Seeded, read_all, serve, start_export, status_of

# One test process seeds the package's export data, once.
pytestmark = pytest.mark.xdist_group("serving")

GRACE = 2
# Uvicorn exits by the signal it stopped for, once it has shut down cleanly.
STOPPED = (0, -signal.SIGTERM)


def test_sigterm_lets_an_export_under_way_finish(seeded: Seeded, tmp_path: Path) -> None:
    with (
        ExitStack() as stack,
        serve(seeded.url, tmp_path, SOFIFI_SHUTDOWN_GRACE_SECONDS=str(GRACE)) as server,
    ):
        reader = stack.enter_context(start_export(server, seeded.keys[0]))
        assert status_of(reader) == 200

        server.terminate()
        body = read_all(reader)

        assert body.endswith(b"\r\n0\r\n\r\n")
        assert server.process.wait(timeout=GRACE + 3) in STOPPED


def test_sigterm_ends_a_stalled_export_when_the_grace_period_does(
    seeded: Seeded, tmp_path: Path
) -> None:
    with (
        ExitStack() as stack,
        serve(
            seeded.url,
            tmp_path,
            SOFIFI_SHUTDOWN_GRACE_SECONDS=str(GRACE),
            SOFIFI_EXPORT_SEND_TIMEOUT_SECONDS="600",
        ) as server,
    ):
        reader = stack.enter_context(start_export(server, seeded.keys[0]))
        assert status_of(reader) == 200

        started = time.monotonic()
        server.terminate()

        assert server.process.wait(timeout=GRACE + 5) in STOPPED
        assert time.monotonic() - started < GRACE + 3
        assert not read_all(reader).endswith(b"\r\n0\r\n\r\n")


def test_serve_starts_the_worker_processes_it_is_asked_for(seeded: Seeded, tmp_path: Path) -> None:
    with serve(seeded.url, tmp_path, "--workers", "2") as server:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        workers = [
            child
            for child in children.read_text().split()
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        ]
        answered = httpx.get(f"{server.base_url}/health", timeout=5)

        server.terminate()
        exit_code = server.process.wait(timeout=GRACE + 10)

    assert len(workers) == 2
    assert answered.status_code == 200
    assert exit_code in STOPPED
