"""The service as a process of its own (Uvicorn on a free port), for tests of what happens
around requests: database faults, start-up, a kill."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.servers import wait_until_answering

# Sub-second database timeouts, so that tests of a frozen database take a second each.
FAULT_TIMEOUTS = {
    "SOFIFI_DB_CONNECT_TIMEOUT_SECONDS": "1",
    "SOFIFI_DB_STATEMENT_TIMEOUT_SECONDS": "1",
    "SOFIFI_DB_POOL_TIMEOUT_SECONDS": "1",
    # A small pool, so that a crowd of requests outnumbers the connections.
    "SOFIFI_DB_POOL_SIZE": "5",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """`sofifi-api serve` on `database_url`; its log goes to `log_path`."""

    def __init__(self, database_url: str, log_path: Path, **environment: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            **environment,
        }
        self._environment.pop("REDIS_URL", None)
        self._environment.pop("SOFIFI_REDIS_URL", None)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(Path(sys.executable).parent / "sofifi-api"), "serve"],
                env=self._environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_answering(self.url, self._process, self.log)

    def kill(self) -> None:
        """As `kill -9`: no shutdown, no cleanup."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
