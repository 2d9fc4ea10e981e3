"""The README's receivers, as a partner copies them: each runs as its own server, with the
secret of a real subscription, and accepts the service's deliveries and refuses a forged one."""

import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from sofifi_api.db import Database
from tests.databases import committed_client

pytestmark = pytest.mark.usefixtures("fresh_subscriptions", "private_destinations")

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def webhooks_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Webhooks\n")
    return text[start : text.index("\n## ", start + 1)]


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", webhooks_section(), flags=re.DOTALL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(command: list[str], port: int, cwd: Path) -> Iterator[str]:
    """The command, started in `cwd`, until it listens on `port`; stopped after the block."""
    with (cwd / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, (cwd / "server.log").read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
async def partner(hooks_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    http = await committed_client(hooks_database, "webhooks:read", "webhooks:write")
    yield http
    await http.aclose()


async def forged_answer(url: str) -> int:
    headers = {
        "webhook-id": "0195f3d0-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3IgdGhlIHJlYWRtZSB0ZXN0cw==",
    }
    async with httpx.AsyncClient() as http:
        return (
            await http.post(url, content=b'{"type": "program.upsert"}', headers=headers)
        ).status_code


async def subscription_secret(partner: httpx.AsyncClient) -> tuple[str, str]:
    """A subscription made first, so its secret can be written into the receiver's code."""
    created = (
        await partner.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "types": []})
    ).json()
    return created["id"], created["secret"]


async def test_the_python_receiver_accepts_a_delivery_and_refuses_a_forgery(
    partner: httpx.AsyncClient, tmp_path: Path
) -> None:
    (example,) = code_blocks("python")
    webhook_id, secret = await subscription_secret(partner)
    (tmp_path / "receiver.py").write_text(example.replace(EXAMPLE_SECRET, secret))
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "receiver:app", "--port", str(port)]

    with serving(command, port, tmp_path) as base:
        url = f"{base}/sofifi/webhooks"
        await partner.patch(f"/v1/webhooks/{webhook_id}", json={"url": url})
        delivery = (await partner.post(f"/v1/webhooks/{webhook_id}/ping")).json()
        forged = await forged_answer(url)

    assert (delivery["status"], delivery["last_status_code"]) == ("succeeded", 204)
    assert forged == 400


@pytest.mark.skipif(shutil.which("php") is None, reason="PHP is not installed")
async def test_the_php_receiver_without_a_library_accepts_a_delivery_and_refuses_a_forgery(
    partner: httpx.AsyncClient, tmp_path: Path
) -> None:
    example = next(block for block in code_blocks("php") if block.startswith("<?php"))
    webhook_id, secret = await subscription_secret(partner)
    (tmp_path / "receiver.php").write_text(example.replace(EXAMPLE_SECRET, secret))
    port = free_port()
    command = ["php", "-S", f"127.0.0.1:{port}", "receiver.php"]

    with serving(command, port, tmp_path) as base:
        url = f"{base}/sofifi/webhooks"
        await partner.patch(f"/v1/webhooks/{webhook_id}", json={"url": url})
        delivery = (await partner.post(f"/v1/webhooks/{webhook_id}/ping")).json()
        forged = await forged_answer(url)

    assert (delivery["status"], delivery["last_status_code"]) == ("succeeded", 204)
    assert forged == 400
