"""The demo data set loads into a fresh database, once, and is plainly illustrative."""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from alembic import command
from sqlalchemy import func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.clients import service as clients_service
from sofifi_api.db import Database
from sofifi_api.demo import seed
from sofifi_api.main import create_app
from sofifi_api.models import (
    Area,
    Consultation,
    Contribution,
    Enrollment,
    Feedback,
    GroupMember,
    InfrastructureProject,
    Organization,
    Participant,
    Program,
    ProgramPartner,
)
from tests.conftest import alembic_config
from tests.databases import fresh_database

SOFIFI = "82.72.02.1003"
EXPECTED_COUNTS: dict[type[SQLModel], int] = {
    Area: 5,
    Organization: 4,
    Participant: 6,
    GroupMember: 3,
    Program: 2,
    ProgramPartner: 4,
    Enrollment: 4,
    InfrastructureProject: 2,
    Consultation: 3,
    Contribution: 3,
    Feedback: 4,
}


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database of the run's kind with the demo data loaded once."""
    with fresh_database(tmp_path_factory.mktemp("demo")) as url:
        command.upgrade(alembic_config(url), "head")
        asyncio.run(seed(url))
        yield url


@pytest.fixture
async def demo_session(seeded_url: str) -> AsyncIterator[AsyncSession]:
    database = Database(seeded_url)
    async with database.sessionmaker() as session:
        yield session
    await database.dispose()


async def row_counts(session: AsyncSession) -> dict[type[SQLModel], int]:
    counts = {}
    for table in EXPECTED_COUNTS:
        counts[table] = (await session.exec(select(func.count()).select_from(table))).one()
    return counts


async def test_seed_inserts_the_illustrative_data_set(demo_session: AsyncSession) -> None:
    assert await row_counts(demo_session) == EXPECTED_COUNTS


async def test_second_seed_inserts_nothing(seeded_url: str, demo_session: AsyncSession) -> None:
    summary = await seed(seeded_url)

    assert "already present" in summary[0]
    assert await row_counts(demo_session) == EXPECTED_COUNTS


async def test_demo_people_carry_no_personal_identifiers(demo_session: AsyncSession) -> None:
    people = (
        await demo_session.exec(select(Participant).where(Participant.kind == "person"))
    ).all()

    assert people
    assert all(
        p.nik_ciphertext is None and p.phone_ciphertext is None and p.birth_date_ciphertext is None
        for p in people
    )
    assert all(p.full_name and p.full_name.endswith("(illustrative)") for p in people)


async def test_demo_organizations_are_marked_illustrative(demo_session: AsyncSession) -> None:
    organizations = (await demo_session.exec(select(Organization))).all()

    assert all(o.name.endswith("(demo)") for o in organizations)
    assert all(o.description and "Illustrative demo data" in o.description for o in organizations)


async def test_villages_other_than_sofifi_are_unofficial_local_codes(
    demo_session: AsyncSession,
) -> None:
    villages = (
        await demo_session.exec(
            select(Area).where(Area.level == "village", col(Area.code) != SOFIFI)
        )
    ).all()

    assert villages
    for village in villages:
        assert not village.is_official
        assert village.parent_code is not None
        assert village.code.startswith(f"{village.parent_code}-")
        assert "(illustrative)" in village.name


async def test_demo_projects_have_geojson_near_sofifi(demo_session: AsyncSession) -> None:
    projects = (await demo_session.exec(select(InfrastructureProject))).all()

    for project in projects:
        assert project.location is not None
        coordinates = project.location["coordinates"]
        positions = [coordinates] if project.location["type"] == "Point" else coordinates
        for longitude, latitude in positions:
            assert abs(longitude - 127.58) < 0.1
            assert abs(latitude - 0.72) < 0.1


async def test_demo_organizations_are_served_by_the_api(seeded_url: str) -> None:
    database = Database(seeded_url)
    async with database.sessionmaker() as setup:
        issued = await clients_service.create_client(
            setup, name="Demo reader", scopes=["organizations:read"]
        )
        await setup.commit()
    transport = httpx.ASGITransport(app=create_app(database))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {issued.key}"},
    ) as client:
        response = await client.get("/v1/organizations", params={"area_code": SOFIFI})
    await database.dispose()

    assert response.status_code == 200
    assert len(response.json()["data"]) == EXPECTED_COUNTS[Organization]
