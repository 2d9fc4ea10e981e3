"""The shared read path answers exactly what the public model `EnrollmentPublic` writes: byte
for byte, for enrollments with and without every optional field and text beyond ASCII, in
lists, single reads and the answers to writes."""

import uuid
from typing import Any

import httpx
from pydantic import TypeAdapter
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.enrollments.models import Enrollment, EnrollmentPublic
from tests.factories import create_enrollment, create_group, create_program

_PUBLIC = TypeAdapter(EnrollmentPublic)


async def _model_bytes(session: AsyncSession, enrollment_id: str) -> bytes:
    """The enrollment as the ORM and `EnrollmentPublic` write it."""
    enrollment = await session.get(Enrollment, uuid.UUID(enrollment_id))
    assert enrollment is not None
    await session.refresh(enrollment)
    return _PUBLIC.dump_json(EnrollmentPublic.model_validate(enrollment))


def _url(program: dict[str, Any], enrollment: dict[str, Any] | None = None) -> str:
    url = f"/v1/programs/{program['id']}/enrollments"
    return url if enrollment is None else f"{url}/{enrollment['id']}"


async def test_an_enrollment_with_every_field_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    program: dict[str, Any],
    person: dict[str, Any],
) -> None:
    enrollment = await create_enrollment(
        client,
        program["id"],
        person["id"],
        status="completed",
        enrolled_on="2026-02-01",
        completed_on="2026-11-30",
        baseline_monthly_income_idr=0,
        latest_monthly_income_idr=1_000_000_000_000,
        notes='Menjual "anyaman" di Pasar Sofifi — «Oba» 🎋\nbaris kedua',
    )

    response = await client.get(_url(program, enrollment))

    assert response.content == await _model_bytes(session, enrollment["id"])


async def test_an_enrollment_without_optional_fields_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    program: dict[str, Any],
    person: dict[str, Any],
) -> None:
    enrollment = await create_enrollment(client, program["id"], person["id"])

    response = await client.get(_url(program, enrollment))

    assert response.content == await _model_bytes(session, enrollment["id"])


async def test_list_items_are_the_enrollments_as_read_one_by_one(
    client: httpx.AsyncClient, program: dict[str, Any], person: dict[str, Any]
) -> None:
    await create_enrollment(client, program["id"], person["id"], notes="Satu")
    group = await create_group(client)
    await create_enrollment(client, program["id"], group["id"], status="active")
    other = await create_program(client)
    await create_enrollment(client, other["id"], person["id"])

    listed = (await client.get(_url(program))).json()["data"]

    assert len(listed) == 2
    for item in listed:
        assert item == (await client.get(_url(program, item))).json()


async def test_a_created_enrollment_is_answered_as_a_read_would_answer_it(
    client: httpx.AsyncClient, program: dict[str, Any], person: dict[str, Any]
) -> None:
    response = await client.post(
        _url(program),
        json={"participant_id": person["id"], "status": "active", "enrolled_on": "2026-03-01"},
    )

    assert response.content == (await client.get(response.headers["Location"])).content


async def test_an_updated_enrollment_is_answered_as_the_next_read_answers_it(
    client: httpx.AsyncClient, program: dict[str, Any], person: dict[str, Any]
) -> None:
    enrollment = await create_enrollment(client, program["id"], person["id"], notes="Lama")
    url = _url(program, enrollment)

    response = await client.patch(
        url, json={"status": "completed", "completed_on": "2026-07-31", "notes": None}
    )

    following = await client.get(url)
    assert response.content == following.content
    assert response.headers["ETag"] == following.headers["ETag"]


async def test_an_enrollment_of_another_program_answers_404_naming_it(
    client: httpx.AsyncClient, program: dict[str, Any], person: dict[str, Any]
) -> None:
    other = await create_program(client)
    enrollment = await create_enrollment(client, other["id"], person["id"])

    response = await client.get(_url(program, enrollment))

    assert response.status_code == 404
    assert enrollment["id"] in response.json()["detail"]


async def test_a_deleted_enrollment_in_a_sync_list_reads_as_its_public_model_writes_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    program: dict[str, Any],
    person: dict[str, Any],
) -> None:
    enrollment = await create_enrollment(client, program["id"], person["id"])
    assert (await client.delete(_url(program, enrollment))).status_code == 204

    listed = await client.get(_url(program), params={"include_deleted": "true"})

    item = next(item for item in listed.json()["data"] if item["id"] == enrollment["id"])
    stored = await session.get(Enrollment, uuid.UUID(item["id"]))
    assert stored is not None
    await session.refresh(stored)
    assert item == _PUBLIC.dump_python(EnrollmentPublic.model_validate(stored), mode="json")
