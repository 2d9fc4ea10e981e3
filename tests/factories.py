"""Builders of valid resources through the API, so each test states only what it varies."""

import csv
from pathlib import Path
from typing import Any

import httpx

AREAS_CSV = Path(__file__).resolve().parents[1] / "src/sofifi_api/areas/data/areas-sofifi.csv"
SOFIFI = "82.72.02.1003"
OBA_UTARA = "82.72.02"


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_reference_areas(client: httpx.AsyncClient) -> None:
    """The official areas around Sofifi, from province down to the kelurahan."""
    with AREAS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            body: dict[str, Any] = {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "parent_code": row["parent_code"] or None,
            }
            if row["latitude"]:
                body["latitude"] = float(row["latitude"])
                body["longitude"] = float(row["longitude"])
            _created(await client.post("/v1/areas", json=body))


async def create_organization(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Dinas Koperasi dan UKM Provinsi Maluku Utara", "kind": "government"}
    return _created(await client.post("/v1/organizations", json=body | fields))


async def create_program(
    client: httpx.AsyncClient, lead_organization_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    if lead_organization_id is None:
        lead_organization_id = (await create_organization(client))["id"]
    body = {
        "title": "Pelatihan anyaman bambu untuk kelompok perempuan",
        "category": "education_skills",
        "status": "active",
        "lead_organization_id": lead_organization_id,
    }
    return _created(await client.post("/v1/programs", json=body | fields))


async def create_person(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"kind": "person", "full_name": "Siti Hadija", "gender": "female", "birth_year": 1986}
    return _created(await client.post("/v1/participants", json=body | fields))


async def create_group(
    client: httpx.AsyncClient, member_ids: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    body = {
        "kind": "group",
        "name": "Kelompok Anyaman Bambu Perempuan",
        "group_type": "women_craft_group",
        "member_ids": member_ids or [],
    }
    return _created(await client.post("/v1/participants", json=body | fields))


async def create_enrollment(
    client: httpx.AsyncClient, program_id: str, participant_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"participant_id": participant_id, "status": "enrolled", "enrolled_on": "2026-02-01"}
    return _created(await client.post(f"/v1/programs/{program_id}/enrollments", json=body | fields))


async def create_project(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Jalan usaha tani Sofifi",
        "project_type": "road",
        "status": "preparation",
        "location": {"type": "Point", "coordinates": [127.58056, 0.72444]},
    }
    return _created(await client.post("/v1/infrastructure-projects", json=body | fields))


async def create_consultation(
    client: httpx.AsyncClient, project_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"held_on": "2026-03-10", "participants_count": 40, "women_count": 18}
    return _created(
        await client.post(
            f"/v1/infrastructure-projects/{project_id}/consultations", json=body | fields
        )
    )


async def create_contribution(
    client: httpx.AsyncClient, project_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"kind": "labor", "person_days": 12.5, "contributed_on": "2026-04-02"}
    return _created(
        await client.post(
            f"/v1/infrastructure-projects/{project_id}/contributions", json=body | fields
        )
    )


async def create_feedback(
    client: httpx.AsyncClient, program_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "rating": 4,
        "comment": "Pelatihan sangat bermanfaat.",
        "submitted_at": "2026-05-01T03:00:00Z",
    }
    if program_id is not None:
        body["program_id"] = program_id
    return _created(await client.post("/v1/feedback", json=body | fields))


SURVEY_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "overall_satisfaction",
        "type": "rating",
        "label": "Seberapa puas Anda dengan pelatihan ini?",
        "required": True,
    },
    {
        "key": "skill_learned",
        "type": "single_choice",
        "label": "Keterampilan apa yang paling bermanfaat?",
        "choices": ["anyaman_bambu", "pertanian_organik", "manajemen_usaha"],
    },
]


async def create_survey(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Kepuasan peserta pelatihan anyaman bambu",
        "questions": SURVEY_QUESTIONS,
    }
    return _created(await client.post("/v1/surveys", json=body | fields))
