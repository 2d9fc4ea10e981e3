"""Answers of the statistics operations: aggregates only, never a row about one person."""

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from sofifi_api.areas.models import AreaLevel


class Suppression(StrEnum):
    """How the answer's counts of people were treated."""

    none = "none"  # exact figures: the client holds participants:pii
    small_counts = "small_counts"  # counts below 5 (and what would reveal them) withheld


class StatisticsInterval(StrEnum):
    """Length of the periods feedback is counted in."""

    month = "month"
    week = "week"
    day = "day"


_SUPPRESSION_FIELD = (
    "`small_counts`: counts of people below 5 (zero included) are withheld (null, "
    "`suppressed` true), as are the cells and derived figures that would reveal them; `none`: "
    "every figure is exact, "
    "because the client holds `participants:pii`."
)


class PeopleCount(BaseModel):
    """A count of people, withheld (null, `suppressed` true) when it could single someone out."""

    count: int | None = Field(
        description="How many; null when withheld.",
        examples=[23],
    )
    suppressed: bool = Field(
        description="True when the count is withheld: it is below 5, or it would reveal "
        "such a count by subtraction from the total.",
        examples=[False],
    )


class PeopleCell(BaseModel):
    """One category of a breakdown of people."""

    key: str = Field(
        description="The category; the breakdown's description lists the possible keys.",
        examples=["female"],
    )
    count: int | None = Field(
        description="How many people fall in the category; null when withheld.",
        examples=[15],
    )
    suppressed: bool = Field(
        description="True when the count is withheld: it is below 5, or it is the "
        "smallest other cell of a breakdown with a single small cell, which subtraction from "
        "the total would otherwise reveal.",
        examples=[False],
    )


class AreaPeopleCell(BaseModel):
    """The people of a breakdown who live in one area."""

    area_code: str | None = Field(
        description="Code of the area; null for participants with no area recorded.",
        examples=["82.72.02.1003"],
    )
    area_name: str | None = Field(
        description="Name of the area; null with `area_code`.",
        examples=["Sofifi"],
    )
    count: int | None = Field(
        description="How many participants live in the area; null when withheld.",
        examples=[18],
    )
    suppressed: bool = Field(
        description="True when the count is withheld (see `PeopleCell.suppressed`).",
        examples=[False],
    )


class SuppressibleRate(BaseModel):
    """A share of people, withheld when it rests on fewer than 5 people or on a withheld count."""

    value: float | None = Field(
        description="The share, from 0 to 1, rounded to three decimals; null when withheld or "
        "when there is no one to divide by.",
        examples=[0.652],
    )
    suppressed: bool = Field(
        description="True when the share is withheld.",
        examples=[False],
    )


_GENDER_KEYS = (
    "`female`, `male`, `not_recorded` (persons without a recorded gender) and `group` (group "
    "participants, such as a weaving group, which have no gender), each listed even when 0"
)


class ProgramParticipants(BaseModel):
    """The program's participants: one per live enrollment, whatever its status."""

    total: PeopleCount = Field(
        description="Participants of the program (live enrollments, `dropped` included).",
        examples=[{"count": 23, "suppressed": False}],
    )
    by_gender: list[PeopleCell] = Field(
        description=f"Participants by gender, keyed {_GENDER_KEYS}.",
        examples=[
            [
                {"key": "female", "count": 20, "suppressed": False},
                {"key": "male", "count": None, "suppressed": True},
                {"key": "not_recorded", "count": 0, "suppressed": False},
                {"key": "group", "count": None, "suppressed": True},
            ]
        ],
    )
    by_area: list[AreaPeopleCell] = Field(
        description="Participants by the area they live in, in code order, those without an "
        "area last; only areas with participants are listed.",
        examples=[
            [
                {
                    "area_code": "82.72.02.1003",
                    "area_name": "Sofifi",
                    "count": 18,
                    "suppressed": False,
                },
                {
                    "area_code": "82.72.02-guraping",
                    "area_name": "Guraping",
                    "count": 5,
                    "suppressed": False,
                },
            ]
        ],
    )
    by_status: list[PeopleCell] = Field(
        description="Participants by enrollment status, keyed `enrolled`, `active`, "
        "`completed` and `dropped`, each listed even when 0.",
        examples=[
            [
                {"key": "enrolled", "count": 0, "suppressed": False},
                {"key": "active", "count": 8, "suppressed": False},
                {"key": "completed", "count": 15, "suppressed": False},
                {"key": "dropped", "count": 0, "suppressed": False},
            ]
        ],
    )


class IncomeChange(BaseModel):
    """Change of monthly income, latest minus baseline, over the participants for whom both
    were recorded; withheld as a whole when they are fewer than 5."""

    reported: int | None = Field(
        description="Participants with both `baseline_monthly_income_idr` and "
        "`latest_monthly_income_idr` recorded; null when withheld.",
        examples=[12],
    )
    mean_change_idr: int | None = Field(
        description="Mean change of monthly income in whole rupiah (negative for a loss); null "
        "when withheld or when no one reported both incomes.",
        examples=[650_000],
    )
    median_change_idr: int | None = Field(
        description="Median change of monthly income in whole rupiah (the mean of the two "
        "middle changes for an even number); null when withheld or when no one reported both.",
        examples=[500_000],
    )
    suppressed: bool = Field(
        description="True when the three figures are withheld: fewer than 5 participants (but "
        "more than 0) reported both incomes.",
        examples=[False],
    )


class ProgramStatistics(BaseModel):
    """Who takes part in a program and how they fare."""

    program_id: uuid.UUID = Field(
        description="The program described.",
        examples=["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"],
    )
    suppression: Suppression = Field(description=_SUPPRESSION_FIELD, examples=["small_counts"])
    participants: ProgramParticipants = Field(
        description="The program's participants, in total and broken down.",
        examples=[
            {
                "total": {"count": 23, "suppressed": False},
                "by_gender": [{"key": "female", "count": 20, "suppressed": False}],
                "by_area": [],
                "by_status": [{"key": "completed", "count": 15, "suppressed": False}],
            }
        ],
    )
    completion_rate: SuppressibleRate = Field(
        description="Participants whose enrollment is `completed`, divided by all "
        "participants (`participants.total`: every live enrollment, `dropped` included).",
        examples=[{"value": 0.652, "suppressed": False}],
    )
    income_change: IncomeChange = Field(
        description="How participants' monthly income changed since they joined.",
        examples=[
            {
                "reported": 12,
                "mean_change_idr": 650_000,
                "median_change_idr": 500_000,
                "suppressed": False,
            }
        ],
    )


class AreaSummary(BaseModel):
    """The area described, which includes every area below it."""

    code: str = Field(description="The area's code.", examples=["82.72.02"])
    name: str = Field(description="The area's name.", examples=["Oba Utara"])
    level: AreaLevel = Field(
        description="`province`, `regency`, `district` or `village`.", examples=["district"]
    )


class CategoryCount(BaseModel):
    """How many things (not people) fall in one category; never withheld."""

    key: str = Field(
        description="The category; the breakdown's description lists the possible keys.",
        examples=["active"],
    )
    count: int = Field(description="How many.", examples=[3])


class AreaPrograms(BaseModel):
    """Live programs targeting the area or an area below it."""

    total: int = Field(description="How many programs.", examples=[4])
    by_status: list[CategoryCount] = Field(
        description="Programs by status, keyed `planned`, `active`, `completed` and "
        "`cancelled`, each listed even when 0.",
        examples=[[{"key": "active", "count": 3}, {"key": "completed", "count": 1}]],
    )
    by_category: list[CategoryCount] = Field(
        description="Programs by category, keyed `economic`, `education_skills`, `health`, "
        "`infrastructure`, `social` and `other`, each listed even when 0.",
        examples=[[{"key": "economic", "count": 2}, {"key": "education_skills", "count": 2}]],
    )


class AreaParticipants(BaseModel):
    """Live participants living in the area or an area below it."""

    total: PeopleCount = Field(
        description="How many participants.", examples=[{"count": 57, "suppressed": False}]
    )
    by_gender: list[PeopleCell] = Field(
        description=f"Participants by gender, keyed {_GENDER_KEYS}.",
        examples=[
            [
                {"key": "female", "count": 41, "suppressed": False},
                {"key": "male", "count": 14, "suppressed": False},
            ]
        ],
    )


class ProjectStatusCount(BaseModel):
    """Infrastructure projects in one status, with their budgets."""

    key: str = Field(description="The OC4IDS status.", examples=["implementation"])
    count: int = Field(description="How many projects.", examples=[2])
    budget_idr: int = Field(
        description="Sum of the projects' budgets in whole rupiah; a project without a "
        "budget adds nothing.",
        examples=[1_750_000_000],
    )


class AreaProjects(BaseModel):
    """Live infrastructure projects serving the area or an area below it. A project serving
    several areas counts whole, with its whole budget."""

    total: int = Field(description="How many projects.", examples=[3])
    budget_idr: int = Field(
        description="Sum of their budgets in whole rupiah; projects without a budget add nothing.",
        examples=[2_150_000_000],
    )
    by_status: list[ProjectStatusCount] = Field(
        description="Projects by status, keyed `identification`, `preparation`, "
        "`implementation`, `completion` and `cancelled`, each listed even when 0.",
        examples=[[{"key": "implementation", "count": 2, "budget_idr": 1_750_000_000}]],
    )


class AreaConsultations(BaseModel):
    """Community meetings (musyawarah) on the live projects serving the area. Attendances are
    summed over meetings: a person at two meetings counts twice."""

    meetings: int = Field(description="How many meetings were held.", examples=[6])
    attendances: PeopleCount = Field(
        description="Attendances over all meetings (`participants_count` summed).",
        examples=[{"count": 214, "suppressed": False}],
    )
    by_gender: list[PeopleCell] = Field(
        description="Attendances keyed `female` (`women_count` summed) and `male` (the rest).",
        examples=[
            [
                {"key": "female", "count": 97, "suppressed": False},
                {"key": "male", "count": 117, "suppressed": False},
            ]
        ],
    )
    women_share: SuppressibleRate = Field(
        description="Women's attendances divided by all attendances.",
        examples=[{"value": 0.453, "suppressed": False}],
    )


class AreaStatistics(BaseModel):
    """Programs, participants, infrastructure projects and community meetings in an area and
    every area below it in the Kemendagri code hierarchy."""

    area: AreaSummary = Field(
        description="The area described.",
        examples=[{"code": "82.72.02", "name": "Oba Utara", "level": "district"}],
    )
    suppression: Suppression = Field(description=_SUPPRESSION_FIELD, examples=["small_counts"])
    programs: AreaPrograms = Field(
        description="Programs targeting the area.",
        examples=[{"total": 4, "by_status": [], "by_category": []}],
    )
    participants: AreaParticipants = Field(
        description="Participants living in the area.",
        examples=[{"total": {"count": 57, "suppressed": False}, "by_gender": []}],
    )
    infrastructure_projects: AreaProjects = Field(
        description="Infrastructure projects serving the area.",
        examples=[{"total": 3, "budget_idr": 2_150_000_000, "by_status": []}],
    )
    consultations: AreaConsultations = Field(
        description="Participation in the community meetings on those projects.",
        examples=[
            {
                "meetings": 6,
                "attendances": {"count": 214, "suppressed": False},
                "by_gender": [],
                "women_share": {"value": 0.453, "suppressed": False},
            }
        ],
    )


class FeedbackPeriod(BaseModel):
    """The ratings given in one period."""

    period: str = Field(
        description="The calendar period: `2026-05` for a month, `2026-W18` for an ISO week, "
        "`2026-05-01` for a day.",
        examples=["2026-05"],
    )
    start: date = Field(
        description="First day counted: the period's first day, or `from` if later.",
        examples=["2026-05-01"],
    )
    end: date = Field(
        description="Last day counted: the period's last day, or `to` if earlier.",
        examples=["2026-05-31"],
    )
    total: PeopleCount = Field(
        description="Feedback given in the period, rated or not.",
        examples=[{"count": 31, "suppressed": False}],
    )
    ratings: list[PeopleCell] = Field(
        description="Feedback by rating, keyed `1` to `5` and `unrated` (a comment or answers "
        "without a rating), each listed even when 0.",
        examples=[
            [
                {"key": "1", "count": 0, "suppressed": False},
                {"key": "2", "count": None, "suppressed": True},
                {"key": "3", "count": 6, "suppressed": False},
                {"key": "4", "count": 12, "suppressed": False},
                {"key": "5", "count": 9, "suppressed": False},
                {"key": "unrated", "count": None, "suppressed": True},
            ]
        ],
    )


class FeedbackStatistics(BaseModel):
    """How the ratings of one program or project were distributed, period by period."""

    program_id: uuid.UUID | None = Field(
        description="The program described; null when it is a project.",
        examples=["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"],
    )
    infrastructure_project_id: uuid.UUID | None = Field(
        description="The infrastructure project described; null when it is a program.",
        examples=[None],
    )
    interval: StatisticsInterval = Field(description="Length of the periods.", examples=["month"])
    start: date = Field(description="First day counted (`from`).", examples=["2026-01-01"])
    end: date = Field(description="Last day counted (`to`).", examples=["2026-06-30"])
    suppression: Suppression = Field(description=_SUPPRESSION_FIELD, examples=["small_counts"])
    periods: list[FeedbackPeriod] = Field(
        description="Every period from `start` to `end`, in order, also those without feedback.",
        examples=[
            [
                {
                    "period": "2026-05",
                    "start": "2026-05-01",
                    "end": "2026-05-31",
                    "total": {"count": 31, "suppressed": False},
                    "ratings": [{"key": "4", "count": 12, "suppressed": False}],
                }
            ]
        ],
    )
