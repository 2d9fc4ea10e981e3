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
from sofifi_api.surveys.models import Survey, SurveyVersion
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


QUESTIONS = [
    {"key": "kepuasan", "type": "rating", "label": "Kepuasan", "required": True},
    {
        "key": "manfaat",
        "type": "single_choice",
        "label": "Manfaat utama",
        "required": False,
        "choices": ["pendapatan", "keterampilan", "jejaring"],
    },
    {
        "key": "kebutuhan",
        "type": "multiple_choice",
        "label": "Kebutuhan",
        "required": False,
        "choices": ["bahan_baku", "modal", "pemasaran"],
    },
    {
        "key": "anggota",
        "type": "number",
        "label": "Anggota",
        "required": False,
        "min": 1,
        "max": 50,
    },
    {"key": "saran", "type": "text", "label": "Saran", "required": False, "max": 200},
    {"key": "ikut_lagi", "type": "yes_no", "label": "Ikut lagi?", "required": False},
    {"key": "tanggal_pelatihan", "type": "date", "label": "Tanggal", "required": False},
]


async def add_survey(session: AsyncSession, *, versions: int = 1, deleted: bool = False) -> str:
    """A survey with `versions` published versions of the same questions."""
    survey = Survey(
        title="Evaluasi pelatihan anyaman bambu",
        latest_version=versions,
        deleted_at=datetime.now(UTC) if deleted else None,
    )
    session.add(survey)
    await session.flush()
    for version in range(1, versions + 1):
        session.add(SurveyVersion(survey_id=survey.id, version=version, questions=QUESTIONS))
    await session.commit()
    return str(survey.id)


@pytest.fixture
async def survey_id(session: AsyncSession) -> str:
    return await add_survey(session)
