import inspect
import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.db import SessionDep
from sofifi_api.errors import problem_responses
from sofifi_api.programs.dependencies import ProgramDep
from sofifi_api.schemas import Day
from sofifi_api.statistics import service
from sofifi_api.statistics.dependencies import AreaInScopeDep
from sofifi_api.statistics.models import (
    AreaStatistics,
    FeedbackStatistics,
    ProgramStatistics,
    StatisticsInterval,
)

router = APIRouter(prefix="/statistics", tags=["statistics"])

SUPPRESSION_RULE = """
**Small counts.** Unless the client holds `participants:pii`, every count of people
(participants, meeting attendances, feedback givers) below 5 is withheld, zero included (a zero
beside a withheld cell would tell that everyone there shares the other attribute): the answer
says `"suppression": "small_counts"` and the figure is `null` beside `"suppressed": true`. When a
breakdown's total is shown and exactly one of its cells is withheld, its smallest other cell is
withheld too, so that the first cannot be found
by subtracting the others from the total. Rates, means and medians are withheld when they rest on
fewer than 5 people or on a withheld count. Counts of things (programs, projects, meetings) and
budgets are never withheld. A client holding `participants:pii` gets exact figures and
`"suppression": "none"`.
"""

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def with_suppression_rule(endpoint: Endpoint) -> Endpoint:
    """Append the suppression rule to the operation's description (its docstring)."""
    endpoint.__doc__ = f"{inspect.cleandoc(endpoint.__doc__ or '')}\n\n{SUPPRESSION_RULE.strip()}"
    return endpoint


@router.get(
    "/programs/{program_id}",
    dependencies=[requires("programs:read")],
    response_model=ProgramStatistics,
    summary="Get a program's statistics",
    responses=problem_responses(404, 422),
)
@with_suppression_rule
async def get_program_statistics(
    session: SessionDep, principal: PrincipalDep, program: ProgramDep
) -> ProgramStatistics:
    """The program's participants (one per live enrollment, whatever its status) by gender,
    by the area they live in and by enrollment status; the completion rate (`completed`
    enrollments over all of them); and the change of monthly income (latest minus baseline)
    over the participants for whom both are recorded. A client restricted to areas gets 404 for
    a program outside them, and counts only participants living in its areas.
    """
    return await service.program_statistics(
        session, program, areas=principal.areas, protect=not principal.sees_personal_data
    )


@router.get(
    "/areas/{code}",
    dependencies=[requires("areas:read")],
    response_model=AreaStatistics,
    summary="Get an area's statistics",
    responses=problem_responses(404, 422),
)
@with_suppression_rule
async def get_area_statistics(
    session: SessionDep, principal: PrincipalDep, area: AreaInScopeDep
) -> AreaStatistics:
    """The area and every area below it in the Kemendagri hierarchy (`82.72.02` also covers
    `82.72.02.1003` and `82.72.02-guraping`): live programs targeting them by status and
    category; participants living there by gender; infrastructure projects serving them by
    status, with budget totals; and the community meetings on those projects, with attendances
    and women's share. A program or project serving several areas counts whole. A client
    restricted to areas gets 404 for an area outside them.
    """
    return await service.area_statistics(session, area, protect=not principal.sees_personal_data)


@router.get(
    "/feedback",
    dependencies=[requires("feedback:read")],
    response_model=FeedbackStatistics,
    summary="Get feedback statistics",
    responses=problem_responses(404, 422),
)
@with_suppression_rule
async def get_feedback_statistics(
    session: SessionDep,
    principal: PrincipalDep,
    from_: Annotated[
        Day,
        Query(
            alias="from",
            description="First day counted (YYYY-MM-DD, local time in North Maluku, UTC+09:00).",
            examples=["2026-01-01"],
        ),
    ],
    to: Annotated[
        Day,
        Query(
            description="Last day counted, inclusive (YYYY-MM-DD, local time); on or after "
            "`from`, and at most 366 periods after it.",
            examples=["2026-06-30"],
        ),
    ],
    program_id: Annotated[
        uuid.UUID | None,
        Query(
            description="The program whose feedback is counted; give this or "
            "`infrastructure_project_id`.",
            examples=["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"],
        ),
    ] = None,
    infrastructure_project_id: Annotated[
        uuid.UUID | None,
        Query(
            description="The infrastructure project whose feedback is counted; give this or "
            "`program_id`.",
            examples=["0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01"],
        ),
    ] = None,
    interval: Annotated[
        StatisticsInterval,
        Query(
            description="Length of the periods: `month` (calendar months), `week` (ISO weeks, "
            "Monday to Sunday) or `day`.",
        ),
    ] = StatisticsInterval.month,
    include_unreviewed: Annotated[
        bool,
        Query(
            description="`true`: count feedback in every review status (`received`, "
            "`has_issues`, `rejected` too). Default `false`: only `approved` feedback counts.",
            examples=[False],
        ),
    ] = False,
) -> FeedbackStatistics:
    """Ratings of the live feedback about one program or one infrastructure project, counted
    per calendar period by when the device recorded it (`submitted_at`), in local time of
    North Maluku (WIT, UTC+09:00). Every period from `from` to `to` is listed, also those
    without feedback; the first and last may be partial. Exactly one of `program_id` and
    `infrastructure_project_id` is required (422); a range ending before it starts or spanning
    more than 366 periods is 422. An unknown subject, or one outside a restricted client's
    areas, is 404; such a client counts only the feedback it may read.

    **Review.** Only feedback a reviewer has `approved` counts, so that official figures rest
    on checked submissions; `include_unreviewed=true` counts feedback in every review status.
    """
    return await service.feedback_statistics(
        session,
        service.FeedbackSubject(
            program_id=program_id, infrastructure_project_id=infrastructure_project_id
        ),
        interval,
        from_,
        to,
        areas=principal.areas,
        protect=not principal.sees_personal_data,
        include_unreviewed=include_unreviewed,
    )
