"""Schemathesis, a fuzzer nobody here wrote, finds nothing wrong with the service: every check
and every phase (stateful included) against a real server process, on SQLite or PostgreSQL.

schemathesis.toml holds the run's settings; schemathesis_hooks.py what a real client does that
a fuzzer cannot know to do, and each kind of failure the run lets pass, with its reason."""

import os
import subprocess
import sys
from pathlib import Path

from tests.contract.conftest import ServedApi
from tests.servers import ROOT

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
TIMEOUT_SECONDS = 900


def test_schemathesis_finds_no_failure(served_api: ServedApi, tmp_path: Path) -> None:
    environment = os.environ | {
        "SOFIFI_CONTRACT_API_KEY": served_api.admin_key,
        "SOFIFI_CONTRACT_OWN_CLIENT_ID": served_api.admin_client_id,
        "SOFIFI_CONTRACT_STAND_IN_CLIENT_ID": served_api.other_client_id,
        "SCHEMATHESIS_HOOKS": "tests.contract.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    command = [SCHEMATHESIS, "--config-file", str(HERE / "schemathesis.toml"), "--no-color"]
    command += ["run", f"{served_api.url}/openapi.json"]

    result = subprocess.run(
        command,
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )

    # Its whole report, which pytest shows when the test fails.
    print(result.stdout, result.stderr)
    assert result.returncode == 0, "schemathesis found failures: see its report above"
