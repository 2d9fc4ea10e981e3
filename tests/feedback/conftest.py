"""Subjects of feedback, stored directly so that these tests depend only on the feedback API."""

from datetime import UTC, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area, AreaLevel
from sofifi_api.infrastructure_projects.models import (
    InfrastructureProject,
    ProjectStatus,
    ProjectType,
)
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus
from tests.factories import SOFIFI


async def add_program(session: AsyncSession, *, deleted: bool = False) -> str:
    lead = Organization(
        name="Dinas Koperasi dan UKM Provinsi Maluku Utara", kind=OrganizationKind.government
    )
    session.add(lead)
    await session.flush()
    program = Program(
        title="Pelatihan anyaman bambu untuk kelompok perempuan",
        category=ProgramCategory.education_skills,
        status=ProgramStatus.active,
        lead_organization_id=lead.id,
        deleted_at=datetime.now(UTC) if deleted else None,
    )
    session.add(program)
    await session.commit()
    return str(program.id)


async def add_project(session: AsyncSession, *, deleted: bool = False) -> str:
    project = InfrastructureProject(
        title="Jalan usaha tani Sofifi",
        project_type=ProjectType.road,
        status=ProjectStatus.implementation,
        deleted_at=datetime.now(UTC) if deleted else None,
    )
    session.add(project)
    await session.commit()
    return str(project.id)


@pytest.fixture
async def program_id(session: AsyncSession) -> str:
    return await add_program(session)


@pytest.fixture
async def project_id(session: AsyncSession) -> str:
    return await add_project(session)


@pytest.fixture
async def sofifi_area(session: AsyncSession) -> str:
    session.add(Area(code=SOFIFI, name="Sofifi", level=AreaLevel.village))
    await session.commit()
    return SOFIFI
