"""A Python client generated from /openapi.json with openapi-python-client, a generator nobody
here wrote, carries a partner's day with no hand-written HTTP: it creates, pages, reads
conditionally, follows the change feed and posts a feedback batch, all typed."""

import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.contract.conftest import ServedApi
from tests.factories import SOFIFI

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
PACKAGE = "sofifi_client"
# No post hooks: the generator would run ruff over the generated code, which is not ours.
GENERATOR_CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


class Generated:
    """The generated package: `api("organizations.create_organization")`, `models.X`."""

    def __init__(self, package: ModuleType) -> None:
        self.client: Any = importlib.import_module(f"{PACKAGE}.client")
        self.models: Any = importlib.import_module(f"{PACKAGE}.models")
        self.package = package

    def api(self, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{name}")


@pytest.fixture
def generated(served_api: ServedApi, tmp_path: Path) -> Iterator[Generated]:
    """The client generated from the running service's document, importable for this test."""
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{served_api.url}/openapi.json").content)
    config = tmp_path / "generator.yaml"
    config.write_text(GENERATOR_CONFIG)
    output = tmp_path / "generated"
    command = [GENERATOR, "generate", "--path", str(document), "--meta", "none"]
    command += ["--config", str(config), "--output-path", str(output / PACKAGE)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(output))
    try:
        yield Generated(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(output))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_a_generated_client_carries_a_partners_day(
    served_api: ServedApi, generated: Generated
) -> None:
    models, api = generated.models, generated.api
    partner = generated.client.AuthenticatedClient(
        base_url=served_api.url, token=served_api.admin_key, raise_on_unexpected_status=True
    )
    with partner:
        _partners_day(partner, models, api)


def _partners_day(partner: Any, models: Any, api: Any) -> None:

    def create(operation: str, body: Any) -> Any:
        response = api(operation).sync_detailed(
            client=partner, body=body, idempotency_key=str(uuid.uuid4())
        )
        assert response.status_code == 201, response.content
        return response.parsed

    lead = create(
        "organizations.create_organization",
        models.OrganizationCreate(
            name="Dinas Koperasi dan UKM Provinsi Maluku Utara",
            kind=models.OrganizationKind.GOVERNMENT,
            area_code=SOFIFI,
        ),
    )
    for name in ("LSM Perempuan Oba", "Koperasi Nelayan Guraping"):
        create(
            "organizations.create_organization",
            models.OrganizationCreate(name=name, kind=models.OrganizationKind.NGO),
        )
    program = create(
        "programs.create_program",
        models.ProgramCreate(
            title="Pelatihan anyaman bambu dan pemasaran daring",
            category=models.ProgramCategory.ECONOMIC,
            status=models.ProgramStatus.ACTIVE,
            lead_organization_id=lead.id,
            area_codes=[SOFIFI],
        ),
    )
    person = create(
        "participants.create_participant",
        models.PersonCreate(kind="person", full_name="Nurhayati Abdullah", area_code=SOFIFI),
    )
    assert isinstance(person, models.PersonPublic)

    # Page through the organizations two at a time.
    seen, cursor = [], None
    while True:
        page = api("organizations.list_organizations").sync(client=partner, limit=2, cursor=cursor)
        assert isinstance(page, models.PageOrganizationPublic)
        seen += [organization.name for organization in page.data]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 3
    assert "LSM Perempuan Oba" in seen

    # Read the program, then read it again conditionally: unchanged, 304.
    read = api("programs.get_program").sync_detailed(client=partner, program_id=str(program.id))
    assert read.status_code == 200
    again = api("programs.get_program").sync_detailed(
        client=partner, program_id=str(program.id), if_none_match=read.headers["ETag"]
    )
    assert again.status_code == 304

    # Follow the change feed to its end: everything created today is there.
    changed, cursor = set(), None
    while True:
        feed = api("changes.list_changes").sync(client=partner, cursor=cursor)
        assert isinstance(feed, models.ChangePage)
        changed |= {entry.id for entry in feed.data}
        cursor = feed.next_cursor
        if not feed.data:
            break
    assert {str(lead.id), str(program.id), str(person.id)} <= changed

    # Upload what the field app collected offline.
    submitted_at = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    batch = [
        models.FeedbackCreate(
            submitted_at=submitted_at,
            program_id=program.id,
            rating=rating,
            comment="Pelatihannya bermanfaat.",
            client_ref=f"tablet-7/{rating}",
        )
        for rating in (4, 5)
    ]
    result = api("feedback.create_feedback_batch").sync(
        client=partner, body=batch, idempotency_key=str(uuid.uuid4())
    )
    assert isinstance(result, models.FeedbackBatchResult)
    assert [item.status for item in result.results] == [models.BatchItemStatus.CREATED] * 2
