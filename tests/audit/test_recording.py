"""The recording mechanism itself: same transaction as the write, and who it acts for."""

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from sofifi_api.audit.recording import record_as
from sofifi_api.auth.principal import Principal
from sofifi_api.cli import app as cli
from sofifi_api.clients import service as clients
from sofifi_api.clients.models import AuditEvent
from sofifi_api.config import get_settings
from sofifi_api.organizations.models import Organization, OrganizationKind

PARTNER = Principal(
    client_id=uuid.UUID("01960000-0000-7000-8000-0000000000aa"),
    name="Bappeda Malut sync",
    scopes=frozenset({"organizations:write"}),
    area_codes=(),
    credential="api_key",
)


async def create_organization(session: AsyncSession) -> Organization:
    organization = Organization(name="Yayasan Bambu Lestari", kind=OrganizationKind.ngo)
    session.add(organization)
    await session.flush()
    return organization


async def _events_about(session: AsyncSession, resource_id: uuid.UUID) -> list[AuditEvent]:
    rows = await session.exec(
        select(AuditEvent).where(col(AuditEvent.resource_id) == str(resource_id))
    )
    return list(rows.all())


async def test_event_is_flushed_with_the_write(session: AsyncSession) -> None:
    session.info.update(principal=PARTNER, request_id="req-0000-0001")

    organization = await create_organization(session)

    events = await _events_about(session, organization.id)
    assert [(e.action, e.client_id, e.request_id) for e in events] == [
        ("create", PARTNER.client_id, "req-0000-0001")
    ]


async def test_rolled_back_write_leaves_no_event(session: AsyncSession) -> None:
    session.info.update(principal=PARTNER, request_id="req-0000-0002")
    organization = await create_organization(session)

    await session.rollback()

    assert await _events_about(session, organization.id) == []


async def test_session_acting_for_no_one_records_nothing(session: AsyncSession) -> None:
    organization = await create_organization(session)

    assert await _events_about(session, organization.id) == []


async def test_command_line_session_records_via_cli_without_client(
    session: AsyncSession,
) -> None:
    record_as(session, "cli")

    issued = await clients.create_client(session, name="Dinsos sync", scopes=["programs:read"])

    events = await _events_about(session, issued.client.id)
    assert [(e.action, e.client_id, e.request_id, e.details) for e in events] == [
        ("client.create", None, None, {"via": "cli"})
    ]


def test_clients_command_records_its_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        created = runner.invoke(
            cli, ["clients", "create", "--name", "Bappeda sync", "--scope", "programs:read"]
        )
    finally:
        get_settings.cache_clear()

    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT action, client_id, details FROM audit_events")
        ).all()
    engine.dispose()
    assert [(action, client_id) for action, client_id, _ in rows] == [("client.create", None)]
    assert '"via": "cli"' in rows[0][2]
    assert key not in rows[0][2]
