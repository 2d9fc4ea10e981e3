"""A program as the API shows it, selected in one statement: its columns, its partners and
target areas aggregated, and its enrollment counts as subqueries."""

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from sofifi_api.enrollments.models import Enrollment, EnrollmentStatus
from sofifi_api.programs.models import Program, ProgramArea, ProgramPartner
from sofifi_api.representations.collection import Collection, joined, resource_fields
from sofifi_api.representations.fields import Field, Kind, derived, field


def enrollment_counts_of(program_id: Any) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """SQL: (enrolled, completed) of the program whose id is in `program_id`, counted as
    `enrollment_counts` counts them, for a query over many programs at once."""
    status = col(Enrollment.status)

    def live_enrollments(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return (
            select(sa.func.count())
            .select_from(Enrollment)
            .where(
                col(Enrollment.program_id) == program_id,
                col(Enrollment.deleted_at).is_(None),
                condition,
            )
            .scalar_subquery()
        )

    return (
        live_enrollments(status != EnrollmentStatus.dropped),
        live_enrollments(status == EnrollmentStatus.completed),
    )


def _partners(text: str | None) -> list[dict[str, str]]:
    pairs = [part.split(":", 1) for part in joined(text)]
    partners = [
        {"organization_id": str(uuid.UUID(organization_id)), "role": role}
        for organization_id, role in pairs
    ]
    # The order the program's representation uses.
    return sorted(partners, key=lambda partner: (partner["organization_id"], partner["role"]))


def _program_partners() -> ColumnElement[str | None]:
    pair = sa.cast(col(ProgramPartner.organization_id), sa.String) + ":" + col(ProgramPartner.role)
    return (
        select(sa.func.aggregate_strings(pair, ","))
        .where(col(ProgramPartner.program_id) == col(Program.id))
        .scalar_subquery()
    )


def _program_area_codes() -> ColumnElement[str | None]:
    return (
        select(sa.func.aggregate_strings(col(ProgramArea.area_code), ","))
        .where(col(ProgramArea.program_id) == col(Program.id))
        .scalar_subquery()
    )


def _enrollment_counts() -> tuple[Field, Field]:
    enrolled, completed = enrollment_counts_of(col(Program.id))
    return (
        field("enrolled_count", enrolled, Kind.INTEGER),
        field("completed_count", completed, Kind.INTEGER),
    )


PROGRAMS = Collection(
    name="programs",
    key=col(Program.id),
    fields=(
        *resource_fields(Program),
        field("title", col(Program.title), Kind.TEXT),
        field("description", col(Program.description), Kind.TEXT),
        field("category", col(Program.category), Kind.TEXT),
        field("status", col(Program.status), Kind.TEXT),
        field("lead_organization_id", col(Program.lead_organization_id), Kind.ID),
        field("start_date", col(Program.start_date), Kind.DATE),
        field("end_date", col(Program.end_date), Kind.DATE),
        field("budget_idr", col(Program.budget_idr), Kind.INTEGER),
        field("target_participants", col(Program.target_participants), Kind.INTEGER),
        derived("partners", _partners, _program_partners()),
        derived("area_codes", lambda text: sorted(joined(text)), _program_area_codes()),
        *_enrollment_counts(),
    ),
)
