"""Statistics for planners: a few grouped queries per answer, counts of people suppressed."""

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.areas.models import Area
from sofifi_api.auth.areas import AreaScope
from sofifi_api.consultations.models import Consultation
from sofifi_api.consultations.visibility import CONSULTATIONS
from sofifi_api.enrollments.models import Enrollment, EnrollmentStatus
from sofifi_api.enrollments.visibility import ENROLLMENTS
from sofifi_api.errors import FieldError, ValidationFailed
from sofifi_api.feedback.models import Feedback, ReviewStatus
from sofifi_api.feedback.visibility import FEEDBACK
from sofifi_api.infrastructure_projects.models import (
    InfrastructureProject,
    ProjectStatus,
)
from sofifi_api.infrastructure_projects.service import get_project
from sofifi_api.infrastructure_projects.visibility import PROJECTS
from sofifi_api.participants.models import Gender, Participant, ParticipantKind
from sofifi_api.participants.visibility import PARTICIPANTS
from sofifi_api.programs.models import Program, ProgramCategory, ProgramStatus
from sofifi_api.programs.service import get_program
from sofifi_api.programs.visibility import PROGRAMS
from sofifi_api.statistics import periods as calendar
from sofifi_api.statistics.models import (
    AreaConsultations,
    AreaParticipants,
    AreaPeopleCell,
    AreaPrograms,
    AreaProjects,
    AreaStatistics,
    AreaSummary,
    CategoryCount,
    FeedbackPeriod,
    FeedbackStatistics,
    IncomeChange,
    PeopleCell,
    PeopleCount,
    ProgramParticipants,
    ProgramStatistics,
    ProjectStatusCount,
    StatisticsInterval,
    SuppressibleRate,
    Suppression,
)
from sofifi_api.statistics.suppression import Shown, rests_on_enough, show_breakdown

GENDER_KEYS = (Gender.female.value, Gender.male.value, "not_recorded", "group")
ENROLLMENT_KEYS = tuple(status.value for status in EnrollmentStatus)
RATING_KEYS = ("1", "2", "3", "4", "5", "unrated")


def suppression_for(protect: bool) -> Suppression:
    return Suppression.small_counts if protect else Suppression.none


def _gender_key(kind: str, gender: str | None) -> str:
    if kind == ParticipantKind.group:
        return "group"
    return gender or "not_recorded"


def _people_count(shown: Shown) -> PeopleCount:
    return PeopleCount(count=shown.count, suppressed=shown.suppressed)


def _people_breakdown(
    counts: Counter[str], keys: Sequence[str], *, protect: bool
) -> tuple[Shown, dict[str, Shown]]:
    """The total and each key's cell, suppressed together as one breakdown."""
    total, cells = show_breakdown(
        sum(counts.values()), [counts[key] for key in keys], protect=protect
    )
    return total, dict(zip(keys, cells, strict=True))


def _people_cells(cells: dict[str, Shown]) -> list[PeopleCell]:
    return [
        PeopleCell(key=key, count=cell.count, suppressed=cell.suppressed)
        for key, cell in cells.items()
    ]


def _rate(numerator: int, denominator: int, *parts: Shown, protect: bool) -> SuppressibleRate:
    if not rests_on_enough(denominator, *parts, protect=protect):
        return SuppressibleRate(value=None, suppressed=True)
    value = round(numerator / denominator, 3) if denominator else None
    return SuppressibleRate(value=value, suppressed=False)


def _whole_rupiah(value: Any) -> int | None:
    return None if value is None else round(value)


async def program_statistics(
    session: AsyncSession, program: Program, *, areas: AreaScope, protect: bool
) -> ProgramStatistics:
    """Participants of the program by gender, area and status, completion and income change:
    two grouped queries. A client restricted to areas counts only the enrollments it sees."""
    in_program = (
        col(Enrollment.program_id) == program.id,
        col(Enrollment.deleted_at).is_(None),
        col(Participant.deleted_at).is_(None),
        ENROLLMENTS.where(areas),
    )
    grouped = (
        sa.select(
            col(Enrollment.status),
            col(Participant.kind),
            col(Participant.gender),
            col(Participant.area_code),
            col(Area.name),
            func.count(),
        )
        .join(Participant, col(Participant.id) == col(Enrollment.participant_id))
        .outerjoin(Area, col(Area.code) == col(Participant.area_code))
        .where(*in_program)
        .group_by(
            col(Enrollment.status),
            col(Participant.kind),
            col(Participant.gender),
            col(Participant.area_code),
            col(Area.name),
        )
    )
    by_gender: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_area: Counter[tuple[str | None, str | None]] = Counter()
    connection = await session.connection()
    for status, kind, gender, area_code, area_name, count in await connection.execute(grouped):
        by_gender[_gender_key(kind, gender)] += count
        by_status[str(status)] += count
        by_area[(area_code, area_name)] += count

    total, gender_cells = _people_breakdown(by_gender, GENDER_KEYS, protect=protect)
    _, status_cells = _people_breakdown(by_status, ENROLLMENT_KEYS, protect=protect)
    completed = EnrollmentStatus.completed.value
    # Areas in code order, participants without an area last.
    places = sorted(by_area, key=lambda place: (place[0] is None, place[0] or ""))
    _, area_shown = show_breakdown(
        sum(by_area.values()), [by_area[place] for place in places], protect=protect
    )
    return ProgramStatistics(
        program_id=program.id,
        suppression=suppression_for(protect),
        participants=ProgramParticipants(
            total=_people_count(total),
            by_gender=_people_cells(gender_cells),
            by_area=[
                AreaPeopleCell(
                    area_code=code, area_name=name, count=shown.count, suppressed=shown.suppressed
                )
                for (code, name), shown in zip(places, area_shown, strict=True)
            ],
            by_status=_people_cells(status_cells),
        ),
        completion_rate=_rate(
            by_status[completed],
            sum(by_status.values()),
            total,
            status_cells[completed],
            protect=protect,
        ),
        income_change=await _income_change(session, in_program, protect=protect),
    )


async def _income_change(
    session: AsyncSession, in_program: Iterable[sa.ColumnElement[bool]], *, protect: bool
) -> IncomeChange:
    """Count, mean and median of latest minus baseline income, in one query: window functions
    number the changes in order, and the outer query averages the one or two middle ones."""
    change = col(Enrollment.latest_monthly_income_idr) - col(Enrollment.baseline_monthly_income_idr)
    ranked = (
        select(
            change.label("change"),
            func.row_number().over(order_by=change).label("position"),
            func.count().over().label("reported"),
            func.avg(change).over().label("mean"),
        )
        .join(Participant, col(Participant.id) == col(Enrollment.participant_id))
        .where(
            *in_program,
            col(Enrollment.baseline_monthly_income_idr).is_not(None),
            col(Enrollment.latest_monthly_income_idr).is_not(None),
        )
        .subquery()
    )
    reported = ranked.c.reported
    middle = sa.or_(
        ranked.c.position == (reported + 1) // 2, ranked.c.position == (reported + 2) // 2
    )
    row = (
        await session.exec(
            select(func.max(reported), func.max(ranked.c.mean), func.avg(ranked.c.change)).where(
                middle
            )
        )
    ).one()
    count = int(row[0] or 0)
    if not rests_on_enough(count, protect=protect):
        return IncomeChange(
            reported=None, mean_change_idr=None, median_change_idr=None, suppressed=True
        )
    return IncomeChange(
        reported=count,
        mean_change_idr=_whole_rupiah(row[1]),
        median_change_idr=_whole_rupiah(row[2]),
        suppressed=False,
    )


def _categories(counts: Counter[str], keys: Iterable[str]) -> list[CategoryCount]:
    return [CategoryCount(key=key, count=counts[key]) for key in keys]


async def area_statistics(session: AsyncSession, area: Area, *, protect: bool) -> AreaStatistics:
    """Everything in the area and below it, as a client bound to the area sees it: four
    grouped queries. An area a restricted client may ask about lies within its areas, so
    whatever a client bound to it sees, this client sees too."""
    below = AreaScope((area.code,))
    return AreaStatistics(
        area=AreaSummary(code=area.code, name=area.name, level=area.level),
        suppression=suppression_for(protect),
        programs=await _area_programs(session, below),
        participants=await _area_participants(session, below, protect=protect),
        infrastructure_projects=await _area_projects(session, below),
        consultations=await _area_consultations(session, below, protect=protect),
    )


async def _area_programs(session: AsyncSession, below: AreaScope) -> AreaPrograms:
    rows = await session.exec(
        select(Program.status, Program.category, func.count())
        .where(col(Program.deleted_at).is_(None), PROGRAMS.where(below))
        .group_by(col(Program.status), col(Program.category))
    )
    by_status: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for status, category, count in rows.all():
        by_status[str(status)] += count
        by_category[str(category)] += count
    return AreaPrograms(
        total=sum(by_status.values()),
        by_status=_categories(by_status, ProgramStatus),
        by_category=_categories(by_category, ProgramCategory),
    )


async def _area_participants(
    session: AsyncSession, below: AreaScope, *, protect: bool
) -> AreaParticipants:
    rows = await session.exec(
        select(Participant.kind, Participant.gender, func.count())
        .where(col(Participant.deleted_at).is_(None), PARTICIPANTS.where(below))
        .group_by(col(Participant.kind), col(Participant.gender))
    )
    by_gender: Counter[str] = Counter()
    for kind, gender, count in rows.all():
        by_gender[_gender_key(kind, gender)] += count
    total, cells = _people_breakdown(by_gender, GENDER_KEYS, protect=protect)
    return AreaParticipants(total=_people_count(total), by_gender=_people_cells(cells))


async def _area_projects(session: AsyncSession, below: AreaScope) -> AreaProjects:
    rows = await session.exec(
        select(
            InfrastructureProject.status,
            func.count(),
            func.sum(InfrastructureProject.budget_idr),
        )
        .where(col(InfrastructureProject.deleted_at).is_(None), PROJECTS.where(below))
        .group_by(col(InfrastructureProject.status))
    )
    found = {str(status): (count, int(budget or 0)) for status, count, budget in rows.all()}
    by_status = []
    for status in ProjectStatus:
        count, budget = found.get(status, (0, 0))
        by_status.append(ProjectStatusCount(key=status, count=count, budget_idr=budget))
    return AreaProjects(
        total=sum(cell.count for cell in by_status),
        budget_idr=sum(cell.budget_idr for cell in by_status),
        by_status=by_status,
    )


async def _area_consultations(
    session: AsyncSession, below: AreaScope, *, protect: bool
) -> AreaConsultations:
    row = (
        await session.exec(
            select(
                func.count(),
                func.coalesce(func.sum(Consultation.participants_count), 0),
                func.coalesce(func.sum(Consultation.women_count), 0),
            )
            .join(
                InfrastructureProject,
                col(InfrastructureProject.id) == col(Consultation.project_id),
            )
            .where(
                col(Consultation.deleted_at).is_(None),
                col(InfrastructureProject.deleted_at).is_(None),
                CONSULTATIONS.where(below),
            )
        )
    ).one()
    meetings, attendances, women = int(row[0]), int(row[1]), int(row[2])
    by_gender = Counter({Gender.female.value: women, Gender.male.value: attendances - women})
    keys = (Gender.female.value, Gender.male.value)
    total, cells = _people_breakdown(by_gender, keys, protect=protect)
    return AreaConsultations(
        meetings=meetings,
        attendances=_people_count(total),
        by_gender=_people_cells(cells),
        women_share=_rate(women, attendances, total, cells[Gender.female.value], protect=protect),
    )


@dataclass(frozen=True)
class FeedbackSubject:
    """The program or the infrastructure project whose feedback is counted."""

    program_id: uuid.UUID | None = None
    infrastructure_project_id: uuid.UUID | None = None


def _query_error(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        message, errors=[FieldError(location="query", field=field, message=message, code=code)]
    )


def check_feedback_query(
    subject: FeedbackSubject, interval: StatisticsInterval, first: date, last: date
) -> None:
    """Exactly one subject, and a range in order, within bounds and of at most 366 periods."""
    if (subject.program_id is None) == (subject.infrastructure_project_id is None):
        raise _query_error(
            "program_id",
            "Give exactly one of program_id and infrastructure_project_id.",
            "one_subject",
        )
    for field, day in (("from", first), ("to", last)):
        if not calendar.EARLIEST_DAY <= day <= calendar.LATEST_DAY:
            raise _query_error(
                field,
                f"{field} must be between {calendar.EARLIEST_DAY} and {calendar.LATEST_DAY}.",
                "out_of_range",
            )
    if last < first:
        raise _query_error("to", "to must be on or after from.", "date_order")
    if calendar.count_periods(first, last, interval) > calendar.MAX_PERIODS:
        raise _query_error(
            "to",
            f"The range spans more than {calendar.MAX_PERIODS} periods of one {interval}; "
            "ask for a shorter range or a longer interval.",
            "range_too_long",
        )


def _counted_review_statuses(include_unreviewed: bool) -> sa.ColumnElement[bool]:
    """Approved feedback only, unless every review status is to count."""
    if include_unreviewed:
        return sa.true()
    return col(Feedback.review_status) == ReviewStatus.approved


async def feedback_statistics(
    session: AsyncSession,
    subject: FeedbackSubject,
    interval: StatisticsInterval,
    first: date,
    last: date,
    *,
    areas: AreaScope,
    protect: bool,
    include_unreviewed: bool = False,
) -> FeedbackStatistics:
    """Ratings of the subject's live feedback per local calendar period from `first` to `last`,
    by the device's submission time: one grouped query. Only `approved` feedback counts, unless
    `include_unreviewed`: then feedback in every review status does. A client restricted to
    areas counts only the feedback it may read."""
    check_feedback_query(subject, interval, first, last)
    # A subject the client may not see is missing, as it is to GET.
    if subject.program_id is not None:
        await get_program(session, subject.program_id, areas=areas)
        about = col(Feedback.program_id) == subject.program_id
    else:
        assert subject.infrastructure_project_id is not None
        await get_project(session, subject.infrastructure_project_id, areas=areas)
        about = col(Feedback.infrastructure_project_id) == subject.infrastructure_project_id
    dialect = session.get_bind().dialect.name
    begin, end = calendar.utc_bounds(first, last)
    bucketed = (
        sa.select(
            calendar.period_key_sql(col(Feedback.submitted_at), interval, dialect).label("period"),
            col(Feedback.rating).label("rating"),
        )
        .where(
            about,
            col(Feedback.deleted_at).is_(None),
            col(Feedback.submitted_at) >= begin,
            col(Feedback.submitted_at) < end,
            FEEDBACK.where(areas),
            _counted_review_statuses(include_unreviewed),
        )
        .subquery()
    )
    grouped = sa.select(bucketed.c.period, bucketed.c.rating, func.count()).group_by(
        bucketed.c.period, bucketed.c.rating
    )
    counts: dict[date, Counter[str]] = {}
    for period, rating, count in await (await session.connection()).execute(grouped):
        key = "unrated" if rating is None else str(rating)
        counts.setdefault(period, Counter())[key] += count

    described = []
    for period in calendar.periods(first, last, interval):
        total, cells = _people_breakdown(
            counts.get(period.key, Counter()), RATING_KEYS, protect=protect
        )
        described.append(
            FeedbackPeriod(
                period=period.label,
                start=period.start,
                end=period.end,
                total=_people_count(total),
                ratings=_people_cells(cells),
            )
        )
    return FeedbackStatistics(
        program_id=subject.program_id,
        infrastructure_project_id=subject.infrastructure_project_id,
        interval=interval,
        start=first,
        end=last,
        suppression=suppression_for(protect),
        periods=described,
    )
