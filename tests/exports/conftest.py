"""Exports read through the test's connection, two rows per chunk, so that every collection of
a few rows is streamed in several chunks; helpers read the exports back."""

import csv
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_consultation,
    create_contribution,
    create_enrollment,
    create_feedback,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_reference_areas,
    create_survey,
)

from sofifi_api.db import Database
from sofifi_api.exports.dependencies import export_source
from sofifi_api.exports.service import ExportSource

CHUNK_ROWS = 2
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Json = dict[str, Any]


@pytest.fixture
def source(database: Database, connection: AsyncConnection) -> ExportSource:
    """The test's connection (inside its rolled-back transaction), two rows per chunk."""

    @asynccontextmanager
    async def test_connection() -> AsyncIterator[AsyncConnection]:
        yield connection

    return ExportSource(
        open_connection=test_connection,
        dialect=database.engine.dialect.name,
        chunk_rows=CHUNK_ROWS,
    )


@pytest.fixture(autouse=True)
def exports_read_the_test_transaction(app: FastAPI, source: ExportSource) -> None:
    app.dependency_overrides[export_source] = lambda: source


async def list_items(client: httpx.AsyncClient, path: str, **params: str) -> list[Json]:
    """Every item of a list, following its cursors."""
    items: list[Json] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "500"} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        items += response.json()["data"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    """The rows of a CSV export, after checking that it is UTF-8 with a BOM and CRLF."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))


def ndjson_items(response: httpx.Response) -> list[Json]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    text = response.content.decode("utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def cell_of(value: Any) -> str:
    """The text a scalar list value has in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return json.dumps(value)


def read_back(row: dict[str, str], item: Json) -> Json:
    """A CSV row as the list item it stands for: cells of lists and objects parsed as JSON,
    other cells as text; columns the item lacks (another kind's) must be empty."""
    assert all(row[name] == "" for name in row.keys() - item.keys()), row
    return {
        name: json.loads(row[name]) if isinstance(value, list | dict) else row[name]
        for name, value in item.items()
    }


def as_cells(item: Json) -> Json:
    """A list item with every scalar as its CSV cell text."""
    return {
        name: value if isinstance(value, list | dict) else cell_of(value)
        for name, value in item.items()
    }


def assert_csv_is_items(rows: list[dict[str, str]], items: list[Json]) -> None:
    assert [read_back(row, item) for row, item in zip(rows, items, strict=True)] == [
        as_cells(item) for item in items
    ]


GURAPING = "82.72.02-guraping"
TIDORE = "82.72.01"
SOASIO = "82.72.01.1001"
NIKS = ["8272024107860001", "8272024107860002", "8272014107860003"]
PHONES = ["+6282187654321", "+6282187654322", "+6282187654323"]
BIRTH_DATES = ["1986-07-01", "1990-02-14", "1979-11-30"]
# Text a spreadsheet would run, and text that needs CSV quoting.
TRICKY_TEXTS = [
    '=HYPERLINK("http://example.invalid","klik")',
    '-Jalan rusak, "parah" sekali',
    "+62 821 ini bukan nomor",
    "@Dinas PUPR\r\nbaris kedua",
    "\tdiawali tab",
    "Catatan biasa; tanpa masalah",
]


@pytest.fixture
async def world(client: httpx.AsyncClient) -> dict[str, list[Json]]:
    """A little of everything, in and out of the district Oba Utara (82.72.02), with text
    that needs guarding and quoting in CSV."""
    await create_reference_areas(client)
    for body in (
        {"code": TIDORE, "name": "Tidore", "level": "district", "parent_code": "82.72"},
        {"code": SOASIO, "name": "Soasio", "level": "village", "parent_code": TIDORE},
        {
            "code": GURAPING,
            "name": 'Guraping, "kampung" bambu',
            "level": "village",
            "parent_code": OBA_UTARA,
            "is_official": False,
        },
    ):
        response = await client.post("/v1/areas", json=body)
        assert response.status_code == 201, response.text
    organizations = [
        await create_organization(client, area_code="82"),
        await create_organization(
            client, name=TRICKY_TEXTS[0], kind="ngo", description=TRICKY_TEXTS[3]
        ),
        await create_organization(
            client, name="Kelompok Tani Maju", kind="community", area_code=SOFIFI
        ),
        await create_organization(
            client, name="PT Bambu Lestari", kind="private", acronym="BL", website=None
        ),
        await create_organization(
            client, name="Yayasan Peduli Oba", kind="ngo", area_code=GURAPING
        ),
    ]
    lead, ngo, farmers = (organization["id"] for organization in organizations[:3])
    persons = [
        await create_person(
            client,
            full_name=name,
            nik=nik,
            phone=phone,
            birth_date=born,
            birth_year=int(born[:4]),
            area_code=area,
            consent_given=True,
            consent_at="2026-02-01T02:30:00Z",
            consent_basis="consent",
        )
        for name, nik, phone, born, area in zip(
            ["Siti Hadija", "Nurlela Umar", TRICKY_TEXTS[1]],
            NIKS,
            PHONES,
            BIRTH_DATES,
            [SOFIFI, GURAPING, SOASIO],
            strict=True,
        )
    ]
    groups = [
        await create_group(
            client, [person["id"] for person in persons], area_code=SOFIFI, name=TRICKY_TEXTS[2]
        ),
        await create_group(client, [], area_code=SOASIO),
    ]
    programs = [
        await create_program(
            client,
            lead,
            title=TRICKY_TEXTS[4],
            area_codes=[SOFIFI, GURAPING],
            partners=[
                {"organization_id": ngo, "role": "implementer"},
                {"organization_id": farmers, "role": "facilitator"},
                {"organization_id": ngo, "role": "funder"},
            ],
            budget_idr=180_000_000,
            start_date="2026-02-01",
            end_date="2026-11-30",
        ),
        await create_program(client, lead, area_codes=[SOASIO], status="planned"),
        await create_program(client, lead, area_codes=[SOASIO, SOFIFI], category="health"),
        await create_program(client, lead, area_codes=[], description=TRICKY_TEXTS[5]),
        await create_program(client, ngo, area_codes=[GURAPING], status="completed"),
    ]
    for participant, status in zip(
        persons + groups[:1], ["enrolled", "completed", "dropped", "active"], strict=True
    ):
        fields = {"completed_on": "2026-06-30"} if status == "completed" else {}
        await create_enrollment(
            client, programs[0]["id"], participant["id"], status=status, **fields
        )
    projects = [
        await create_project(
            client,
            title='Jalan usaha tani, tahap "I"',
            status="implementation",
            area_codes=[SOFIFI, GURAPING],
            implementing_organization_id=lead,
            budget_idr=1_250_000_000,
            start_date="2026-04-01",
            end_date="2026-10-31",
            location={
                "type": "LineString",
                "coordinates": [[127.5781, 0.7208], [127.5822, 0.7251], [127.5869, 0.7297]],
            },
            funding_sources=[
                {
                    "name": "APBD Maluku Utara 2026",
                    "amount_idr": 1_000_000_000,
                    "source_type": "apbd",
                    "organization_id": lead,
                },
                {"name": "Dana Desa Sofifi", "amount_idr": 250_000_000, "source_type": "dana_desa"},
            ],
        ),
        await create_project(
            client,
            title="Jembatan Guraping",
            project_type="bridge",
            area_codes=[GURAPING],
            implementing_organization_id=farmers,
            funding_sources=[
                {
                    "name": "Swadaya",
                    "amount_idr": 5_000_000,
                    "source_type": "community",
                    "organization_id": farmers,
                },
            ],
        ),
        await create_project(
            client, title="Air bersih Soasio", project_type="water_supply", area_codes=[SOASIO]
        ),
        await create_project(
            client,
            title=TRICKY_TEXTS[0],
            project_type="school",
            area_codes=[SOFIFI],
            location=None,
            status="completion",
            start_date="2026-01-05",
            completed_on="2026-03-01",
        ),
        await create_project(
            client,
            title="Pasar Sofifi",
            project_type="market",
            area_codes=[SOFIFI, SOASIO],
            location={
                "type": "Polygon",
                "coordinates": [
                    [[127.57, 0.72], [127.58, 0.72], [127.58, 0.73], [127.57, 0.73], [127.57, 0.72]]
                ],
            },
        ),
    ]
    await create_consultation(
        client,
        projects[0]["id"],
        participants_count=40,
        women_count=18,
        summary=TRICKY_TEXTS[3],
        decisions=["Lebar jalan 4 m", TRICKY_TEXTS[1]],
    )
    await create_consultation(client, projects[0]["id"], participants_count=7, women_count=2)
    await create_consultation(client, projects[1]["id"], location_name="Balai Desa Guraping")
    await create_consultation(client, projects[2]["id"], location_name="Masjid Soasio")
    await create_consultation(client, projects[4]["id"], held_on="2026-02-01")
    await create_contribution(client, projects[0]["id"], person_days=12.5, value_idr=1_500_000)
    await create_contribution(
        client, projects[0]["id"], kind="cash", person_days=None, value_idr=2_000_000
    )
    await create_contribution(client, projects[1]["id"], person_days=3)
    await create_contribution(
        client, projects[2]["id"], kind="materials", person_days=None, description=TRICKY_TEXTS[0]
    )
    await create_contribution(client, projects[4]["id"], kind="land", person_days=None)
    await create_enrollment(client, programs[1]["id"], persons[2]["id"], status="active")
    survey = await create_survey(client)
    feedback = [
        await create_feedback(
            client,
            programs[0]["id"],
            area_code=area,
            comment=comment,
            rating=rating,
            submitted_at=submitted_at,
        )
        for area, comment, rating, submitted_at in [
            (SOFIFI, TRICKY_TEXTS[1], 5, "2026-05-01T03:00:00Z"),
            (GURAPING, TRICKY_TEXTS[3], 2, "2026-05-02T12:30:15.250000+09:00"),
            (SOASIO, "Kurang bahan baku", 3, "2026-05-03T08:00:00+09:00"),
            (None, "Pelatihan sangat bermanfaat — terima kasih", 4, "2026-06-01T00:00:00Z"),
        ]
    ]
    feedback.append(
        await create_feedback(
            client,
            infrastructure_project_id=projects[2]["id"],
            area_code=SOASIO,
            rating=None,
            comment=None,
            survey_id=survey["id"],
            survey_version=1,
            answers={"overall_satisfaction": 4, "skill_learned": "anyaman_bambu"},
        )
    )
    feedback.append(
        await create_feedback(
            client,
            infrastructure_project_id=projects[0]["id"],
            area_code=GURAPING,
            comment=TRICKY_TEXTS[2],
            client_ref="tab-07/0042",
        )
    )
    return {
        "organizations": organizations,
        "persons": persons,
        "groups": groups,
        "programs": programs,
        "projects": projects,
        "feedback": feedback,
    }
