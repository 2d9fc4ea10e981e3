"""The shared read path (one statement, items from rows, one encoder) answers exactly what the
public model `ProgramPublic` writes: byte for byte, for programs with and without every
optional field, partners in several roles, areas, enrollment counts and text beyond ASCII."""

import uuid
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.auth.areas import EVERY_AREA
from sofifi_api.programs import service
from sofifi_api.programs.models import Program, ProgramPublic
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_enrollment,
    create_group,
    create_organization,
    create_person,
    create_program,
)

pytestmark = pytest.mark.usefixtures("areas")

_PUBLIC = TypeAdapter(ProgramPublic)


async def _model_bytes(session: AsyncSession, program_id: str) -> bytes:
    """The program as the ORM and `ProgramPublic` write it."""
    program = await service.get_program(
        session, uuid.UUID(program_id), areas=EVERY_AREA, with_details=True
    )
    return _PUBLIC.dump_json((await service.represent(session, [program]))[0])


@pytest.fixture
async def full_program(client: httpx.AsyncClient, lead: dict[str, Any]) -> dict[str, Any]:
    """Every optional field set, two partners (one in two roles), two areas, enrollments of
    three statuses."""
    funder = await create_organization(client, name="Yayasan Bambu Lestari — Ternate", kind="ngo")
    program = await create_program(
        client,
        lead["id"],
        title="Pelatihan anyaman bambu «Oba» — kelompok perempuan 🎋",
        description='Tali "rotan" dan bambu\nbaris kedua',
        start_date="2026-02-01",
        end_date="2026-11-30",
        budget_idr=250_000_000_000,
        target_participants=40,
        partners=[
            {"organization_id": funder["id"], "role": "funder"},
            {"organization_id": funder["id"], "role": "implementer"},
            {"organization_id": lead["id"], "role": "implementer"},
        ],
        area_codes=[SOFIFI, OBA_UTARA],
    )
    for status in ("enrolled", "completed", "dropped"):
        person = await create_person(client)
        await create_enrollment(client, program["id"], person["id"], status=status)
    group = await create_group(client)
    await create_enrollment(client, program["id"], group["id"], status="completed")
    return program


async def test_a_program_with_every_field_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, full_program: dict[str, Any]
) -> None:
    response = await client.get(f"/v1/programs/{full_program['id']}")

    assert response.content == await _model_bytes(session, full_program["id"])


async def test_a_program_without_optional_fields_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, lead: dict[str, Any]
) -> None:
    program = await create_program(client, lead["id"])

    response = await client.get(f"/v1/programs/{program['id']}")

    assert response.content == await _model_bytes(session, program["id"])


async def test_list_items_are_the_programs_as_read_one_by_one(
    client: httpx.AsyncClient, full_program: dict[str, Any], lead: dict[str, Any]
) -> None:
    await create_program(client, lead["id"])

    listed = (await client.get("/v1/programs")).json()["data"]

    for item in listed:
        assert item == (await client.get(f"/v1/programs/{item['id']}")).json()


async def test_a_created_program_is_answered_as_a_read_would_answer_it(
    client: httpx.AsyncClient, lead: dict[str, Any]
) -> None:
    response = await client.post(
        "/v1/programs",
        json={
            "title": "Pertanian organik",
            "category": "economic",
            "status": "planned",
            "lead_organization_id": lead["id"],
            "area_codes": [OBA_UTARA],
        },
    )

    assert response.content == (await client.get(response.headers["Location"])).content


async def test_a_deleted_program_in_a_sync_list_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient, session: AsyncSession, full_program: dict[str, Any]
) -> None:
    assert (await client.delete(f"/v1/programs/{full_program['id']}")).status_code == 204

    listed = await client.get("/v1/programs", params={"include_deleted": "true"})

    item = next(item for item in listed.json()["data"] if item["id"] == full_program["id"])
    program = await session.get(Program, uuid.UUID(item["id"]), options=service.details_loaders())
    assert program is not None
    assert item == _PUBLIC.dump_python(
        (await service.represent(session, [program]))[0], mode="json"
    )
