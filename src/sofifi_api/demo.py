"""A small, clearly illustrative data set drawn from community assistance work in Sofifi.

Every name is marked "(demo)" or "(illustrative)" and every description starts with
"Illustrative demo data": nothing here describes real people, budgets or decisions.
People carry no NIK, phone number or birth date.
"""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area, AreaLevel
from sofifi_api.areas.service import import_reference_areas
from sofifi_api.consultations.models import Consultation
from sofifi_api.contributions.models import Contribution, ContributionKind
from sofifi_api.db import Database, utcnow
from sofifi_api.enrollments.models import Enrollment, EnrollmentStatus
from sofifi_api.feedback.models import Feedback, FeedbackStatus, ReviewStatus
from sofifi_api.infrastructure_projects.models import (
    InfrastructureProject,
    ProjectArea,
    ProjectStatus,
    ProjectType,
)
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.participants.models import (
    Gender,
    GroupMember,
    LawfulBasis,
    Participant,
    ParticipantKind,
)
from sofifi_api.programs.models import (
    PartnerRole,
    Program,
    ProgramArea,
    ProgramCategory,
    ProgramPartner,
    ProgramStatus,
)

NOTE = "Illustrative demo data"
OBA_UTARA = "82.72.02"
SOFIFI = "82.72.02.1003"
GURAPING = f"{OBA_UTARA}-guraping"
LEAD_ORGANIZATION_NAME = "Yayasan Pendamping Masyarakat Sofifi (demo)"

# GeoJSON positions are [longitude, latitude]; Sofifi lies at 0.72444 N, 127.58056 E.
FARM_ROAD_LINE = [[127.58056, 0.72444], [127.5792, 0.7301], [127.5771, 0.7368]]
BRIDGE_POINT = [127.5831, 0.7262]


def _illustrative(text: str) -> str:
    return f"{NOTE}: {text}"


async def seed(database_url: str | None = None) -> list[str]:
    """Insert the demo data set in one transaction; does nothing if it is already there."""
    database = Database(database_url)
    try:
        async with database.sessionmaker() as session, session.begin():
            existing = await session.exec(
                select(Organization.id).where(Organization.name == LEAD_ORGANIZATION_NAME)
            )
            if existing.first() is not None:
                return [
                    f"Demo data already present ({LEAD_ORGANIZATION_NAME!r} exists); "
                    "nothing inserted."
                ]
            return await _insert(session)
    finally:
        await database.dispose()


async def _insert(session: AsyncSession) -> list[str]:
    summary = [f"Official reference areas inserted: {await import_reference_areas(session)}"]
    summary.append(f"Illustrative villages inserted: {await _insert_villages(session)}")
    organizations = await _insert_organizations(session)
    participants = await _insert_participants(session)
    programs = await _insert_programs(session, organizations, participants)
    projects = await _insert_projects(session, organizations)
    feedback = await _insert_feedback(session, programs, projects)
    summary += [
        f"Organizations: {len(organizations)} (lead: {LEAD_ORGANIZATION_NAME})",
        f"Participants: {len(participants)} (one women's bamboo-weaving group and its members)",
        f"Programs: {len(programs)}",
        f"Infrastructure projects: {len(projects)}",
        f"Feedback items: {feedback}",
        "All names are illustrative; people carry no NIK, phone or birth date.",
    ]
    return summary


async def _insert_villages(session: AsyncSession) -> int:
    """Villages without an official code here get `<district code>-<slug>` codes."""
    villages = [
        Area(
            code=GURAPING,
            name="Guraping (illustrative)",
            level=AreaLevel.village,
            parent_code=OBA_UTARA,
            is_official=False,
        )
    ]
    present = set(
        (
            await session.exec(
                select(Area.code).where(col(Area.code).in_([v.code for v in villages]))
            )
        ).all()
    )
    missing = [village for village in villages if village.code not in present]
    session.add_all(missing)
    await session.flush()
    return len(missing)


async def _insert_organizations(session: AsyncSession) -> dict[str, Organization]:
    organizations = {
        "government": Organization(
            name="Dinas Pemberdayaan Masyarakat dan Desa Provinsi Maluku Utara (demo)",
            kind=OrganizationKind.government,
            acronym="DPMD Malut",
            description=_illustrative("provincial office for community and village empowerment."),
            area_code=SOFIFI,
        ),
        "ngo": Organization(
            name=LEAD_ORGANIZATION_NAME,
            kind=OrganizationKind.ngo,
            acronym="YPMS",
            description=_illustrative(
                "local NGO (LSM) accompanying farmer groups and women's craft groups."
            ),
            area_code=SOFIFI,
        ),
        "private": Organization(
            name="PT Kerajinan Halmahera Lestari (demo)",
            kind=OrganizationKind.private,
            description=_illustrative(
                "buyer of woven bamboo goods that coaches groups on quality and pricing."
            ),
            area_code=SOFIFI,
        ),
        "community": Organization(
            name="Lembaga Pemberdayaan Masyarakat Kelurahan Sofifi (demo)",
            kind=OrganizationKind.community,
            acronym="LPM Sofifi",
            description=_illustrative("neighbourhood body that convenes musyawarah meetings."),
            area_code=SOFIFI,
        ),
    }
    session.add_all(organizations.values())
    await session.flush()
    return organizations


async def _insert_participants(session: AsyncSession) -> dict[str, Participant]:
    consent_at = utcnow()

    def person(name: str, gender: Gender, birth_year: int, area_code: str) -> Participant:
        return Participant(
            kind=ParticipantKind.person,
            full_name=f"{name} (illustrative)",
            gender=gender,
            birth_year=birth_year,
            area_code=area_code,
            consent_given=True,
            consent_at=consent_at,
            consent_basis=LawfulBasis.consent,
        )

    participants = {
        "weaver_1": person("Nurhayati", Gender.female, 1984, SOFIFI),
        "weaver_2": person("Siti Hadija", Gender.female, 1990, SOFIFI),
        "weaver_3": person("Rosmina", Gender.female, 1978, GURAPING),
        "farmer_1": person("Abdul Karim", Gender.male, 1975, GURAPING),
        "farmer_2": person("Marlina", Gender.female, 1988, SOFIFI),
        "weaving_group": Participant(
            kind=ParticipantKind.group,
            name="Kelompok Perempuan Anyaman Bambu Sofifi (demo)",
            group_type="women_craft_group",
            area_code=SOFIFI,
        ),
    }
    session.add_all(participants.values())
    await session.flush()
    group_id = participants["weaving_group"].id
    session.add_all(
        GroupMember(group_id=group_id, member_id=participants[key].id)
        for key in ("weaver_1", "weaver_2", "weaver_3")
    )
    await session.flush()
    return participants


async def _insert_programs(
    session: AsyncSession,
    organizations: dict[str, Organization],
    participants: dict[str, Participant],
) -> dict[str, Program]:
    lead_id = organizations["ngo"].id
    programs = {
        "organic_farming": Program(
            title="Sekolah lapang pertanian organik (demo)",
            description=_illustrative(
                "field school on compost, organic pest control and mixed nutmeg and vegetable "
                "gardens, one session a week."
            ),
            category=ProgramCategory.education_skills,
            status=ProgramStatus.active,
            lead_organization_id=lead_id,
            start_date=date(2026, 2, 2),
            end_date=date(2026, 11, 27),
            budget_idr=350_000_000,
            target_participants=40,
        ),
        "bamboo_business": Program(
            title="Anyaman bambu dan manajemen usaha kecil (demo)",
            description=_illustrative(
                "bamboo weaving for market, bookkeeping and pricing for women's groups."
            ),
            category=ProgramCategory.economic,
            status=ProgramStatus.active,
            lead_organization_id=lead_id,
            start_date=date(2026, 1, 19),
            end_date=date(2026, 12, 18),
            budget_idr=180_000_000,
            target_participants=25,
        ),
    }
    session.add_all(programs.values())
    await session.flush()
    farming, bamboo = programs["organic_farming"].id, programs["bamboo_business"].id
    session.add_all(
        [
            ProgramPartner(
                program_id=farming,
                organization_id=organizations["government"].id,
                role=PartnerRole.government_sponsor,
            ),
            ProgramPartner(
                program_id=farming,
                organization_id=organizations["community"].id,
                role=PartnerRole.facilitator,
            ),
            ProgramPartner(
                program_id=bamboo,
                organization_id=organizations["government"].id,
                role=PartnerRole.government_sponsor,
            ),
            ProgramPartner(
                program_id=bamboo,
                organization_id=organizations["private"].id,
                role=PartnerRole.funder,
            ),
            ProgramArea(program_id=farming, area_code=SOFIFI),
            ProgramArea(program_id=farming, area_code=GURAPING),
            ProgramArea(program_id=bamboo, area_code=SOFIFI),
        ]
    )

    def enrollment(program_id: uuid.UUID, participant: str, **fields: Any) -> Enrollment:
        return Enrollment(
            program_id=program_id,
            participant_id=participants[participant].id,
            notes=_illustrative("incomes are monthly, in rupiah, as reported by the participant."),
            **fields,
        )

    session.add_all(
        [
            enrollment(
                bamboo,
                "weaving_group",
                status=EnrollmentStatus.active,
                enrolled_on=date(2026, 1, 19),
                baseline_monthly_income_idr=600_000,
                latest_monthly_income_idr=1_150_000,
            ),
            enrollment(
                bamboo,
                "weaver_1",
                status=EnrollmentStatus.completed,
                enrolled_on=date(2026, 1, 19),
                completed_on=date(2026, 6, 30),
                baseline_monthly_income_idr=500_000,
                latest_monthly_income_idr=1_200_000,
            ),
            enrollment(
                farming,
                "farmer_1",
                status=EnrollmentStatus.active,
                enrolled_on=date(2026, 2, 2),
                baseline_monthly_income_idr=1_500_000,
                latest_monthly_income_idr=1_900_000,
            ),
            enrollment(
                farming,
                "farmer_2",
                status=EnrollmentStatus.enrolled,
                enrolled_on=date(2026, 2, 2),
                baseline_monthly_income_idr=900_000,
            ),
        ]
    )
    await session.flush()
    return programs


async def _insert_projects(
    session: AsyncSession, organizations: dict[str, Organization]
) -> dict[str, InfrastructureProject]:
    government_id = organizations["government"].id
    projects = {
        "farm_road": InfrastructureProject(
            title="Jalan usaha tani Sofifi-Guraping (demo)",
            description=_illustrative(
                "1.6 km gravel farm road from Sofifi to the nutmeg and clove gardens."
            ),
            project_type=ProjectType.road,
            status=ProjectStatus.preparation,
            location={"type": "LineString", "coordinates": FARM_ROAD_LINE},
            budget_idr=1_250_000_000,
            funding_sources=[
                {
                    "organization_id": str(government_id),
                    "name": "APBD Provinsi Maluku Utara 2026 (illustrative)",
                    "amount_idr": 1_000_000_000,
                    "source_type": "apbd",
                },
                {
                    "organization_id": None,
                    "name": "APBD Kota Tidore Kepulauan 2026 (illustrative)",
                    "amount_idr": 250_000_000,
                    "source_type": "apbd",
                },
            ],
            implementing_organization_id=government_id,
            start_date=date(2026, 7, 6),
            end_date=date(2026, 12, 18),
            progress_percent=0,
            beneficiaries_count=320,
        ),
        "bridge": InfrastructureProject(
            title="Jembatan kecil Kali Sofifi (demo)",
            description=_illustrative("12 m footbridge over the stream on the way to school."),
            project_type=ProjectType.bridge,
            status=ProjectStatus.identification,
            location={"type": "Point", "coordinates": BRIDGE_POINT},
            budget_idr=420_000_000,
            funding_sources=[
                {
                    "organization_id": None,
                    "name": "APBD Kota Tidore Kepulauan 2027 (illustrative)",
                    "amount_idr": 420_000_000,
                    "source_type": "apbd",
                }
            ],
            implementing_organization_id=government_id,
            progress_percent=0,
            beneficiaries_count=150,
        ),
    }
    session.add_all(projects.values())
    await session.flush()
    road, bridge = projects["farm_road"].id, projects["bridge"].id
    session.add_all(
        [
            ProjectArea(project_id=road, area_code=SOFIFI),
            ProjectArea(project_id=road, area_code=GURAPING),
            ProjectArea(project_id=bridge, area_code=SOFIFI),
            Consultation(
                project_id=road,
                held_on=date(2026, 3, 10),
                location_name="Balai Kelurahan Sofifi (illustrative)",
                participants_count=42,
                women_count=17,
                summary=_illustrative("first musyawarah on the route and on community labour."),
                decisions=[
                    "The road follows the existing footpath to the gardens.",
                    "Residents give labour on Saturdays (gotong royong).",
                    "Landowners along the route release a 4 m strip.",
                ],
            ),
            Consultation(
                project_id=road,
                held_on=date(2026, 4, 14),
                location_name="Balai Kelurahan Sofifi (illustrative)",
                participants_count=35,
                women_count=15,
                summary=_illustrative("drainage and the work calendar around the harvest."),
                decisions=["Work pauses during the clove harvest in August."],
            ),
            Consultation(
                project_id=bridge,
                held_on=date(2026, 5, 6),
                location_name="Masjid Al-Ikhlas, Sofifi (illustrative)",
                participants_count=28,
                women_count=12,
                summary=_illustrative("where the footbridge should cross the stream."),
                decisions=["The bridge crosses beside the primary school path."],
            ),
            Contribution(
                project_id=road,
                kind=ContributionKind.labor,
                description=_illustrative("gotong royong clearing of the route."),
                contributed_on=date(2026, 4, 25),
                contributors_count=30,
                person_days=60.0,
                value_idr=6_000_000,
            ),
            Contribution(
                project_id=road,
                kind=ContributionKind.land,
                description=_illustrative("garden strip released by six landowners."),
                contributed_on=date(2026, 5, 2),
                contributors_count=6,
            ),
            Contribution(
                project_id=bridge,
                kind=ContributionKind.materials,
                description=_illustrative("river stone and sand gathered by residents."),
                contributed_on=date(2026, 5, 20),
                contributors_count=12,
                person_days=18.5,
                value_idr=8_500_000,
            ),
        ]
    )
    await session.flush()
    return projects


async def _insert_feedback(
    session: AsyncSession,
    programs: dict[str, Program],
    projects: dict[str, InfrastructureProject],
) -> int:
    def at(day: int, month: int) -> datetime:
        return datetime(2026, month, day, 2, 30, tzinfo=UTC)

    items = [
        Feedback(
            program_id=programs["bamboo_business"].id,
            rating=5,
            comment="(illustrative) Orders for bamboo bags went up after the pricing session.",
            area_code=SOFIFI,
            submitted_at=at(12, 5),
            client_ref="demo-feedback-0001",
            status=FeedbackStatus.acknowledged,
            # Reviewed, so that the demo's feedback statistics (approved only) count something.
            review_status=ReviewStatus.approved,
            reviewed_at=at(13, 5),
            response_note=_illustrative("shared with the buyer for the next order round."),
        ),
        Feedback(
            program_id=programs["organic_farming"].id,
            rating=4,
            comment="(illustrative) Compost lessons were useful; please add more field visits.",
            area_code=GURAPING,
            submitted_at=at(20, 5),
            client_ref="demo-feedback-0002",
            status=FeedbackStatus.new,
        ),
        Feedback(
            infrastructure_project_id=projects["farm_road"].id,
            rating=3,
            comment="(illustrative) Please schedule gotong royong after the clove harvest.",
            area_code=SOFIFI,
            submitted_at=at(2, 6),
            client_ref="demo-feedback-0003",
            status=FeedbackStatus.resolved,
            review_status=ReviewStatus.approved,
            reviewed_at=at(3, 6),
            response_note=_illustrative("the second musyawarah moved the work calendar."),
        ),
        Feedback(
            infrastructure_project_id=projects["bridge"].id,
            comment="(illustrative) Children cross the stream on stones when it rains.",
            area_code=SOFIFI,
            submitted_at=at(9, 6),
            client_ref="demo-feedback-0004",
            status=FeedbackStatus.new,
        ),
    ]
    session.add_all(items)
    await session.flush()
    return len(items)
