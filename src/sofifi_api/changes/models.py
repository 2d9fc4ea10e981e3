from enum import StrEnum
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from sofifi_api.areas.models import AreaPublic
from sofifi_api.consultations.models import ConsultationPublic
from sofifi_api.contributions.models import ContributionPublic
from sofifi_api.enrollments.models import EnrollmentPublic
from sofifi_api.feedback.models import FeedbackPublic
from sofifi_api.infrastructure_projects.models import InfrastructureProjectPublic
from sofifi_api.organizations.models import OrganizationPublic
from sofifi_api.participants.models import ParticipantSummary
from sofifi_api.programs.models import ProgramPublic
from sofifi_api.surveys.models import SurveyPublic


class Change(SQLModel, table=True):
    """One write to a resource, recorded by a database trigger in the writing transaction.

    `seq` counts up in the order the rows are written. On PostgreSQL `txid` is the writing
    transaction's id: transactions commit in another order than they take ids and sequence
    numbers, so the feed reads changes in (txid, seq) order and only below the oldest
    transaction still running, where nothing more can appear. On SQLite, whose writers take
    turns, `txid` is 0 and `seq` alone is the commit order."""

    __tablename__ = "changes"
    __table_args__ = (
        sa.Index("ix_changes_position", "txid", "seq"),
        {"sqlite_autoincrement": True},
    )

    seq: int | None = ColumnField(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
    )
    txid: int = ColumnField(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    resource_type: str = ColumnField(max_length=32)
    resource_id: str = ColumnField(max_length=64)
    # The area the resource left with this change (it moved, or what it belongs to did), if any.
    left_area_code: str | None = ColumnField(default=None, max_length=40)


class ChangeType(StrEnum):
    """The kinds of resource the feed carries."""

    organization = "organization"
    area = "area"
    program = "program"
    enrollment = "enrollment"
    participant = "participant"
    infrastructure_project = "infrastructure_project"
    consultation = "consultation"
    contribution = "contribution"
    feedback = "feedback"
    survey = "survey"


class ChangeOp(StrEnum):
    """`upsert`: the resource exists; store `resource` as it is. `delete`: it is deleted."""

    upsert = "upsert"
    delete = "delete"


class _Change(BaseModel):
    """What every change-feed entry carries; `type` names the schema of its `resource`."""

    type: ChangeType = Field(description="The kind of resource.", examples=["program"])
    id: str = Field(
        description="The resource's id (for an area, its code).",
        examples=["0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a"],
    )
    op: ChangeOp = Field(
        description="`upsert` when the resource exists now, `delete` when it is deleted "
        "(a tombstone: only `type` and `id` identify it).",
        examples=["upsert"],
    )


_RESOURCE = "The resource as it is now, exactly as its list shows it; null for `delete`."


class OrganizationChange(_Change):
    """A change to an organization."""

    type: Literal[ChangeType.organization] = Field(
        description="The kind of resource.", examples=["organization"]
    )
    resource: OrganizationPublic | None = Field(description=_RESOURCE, examples=[None])


class AreaChange(_Change):
    """A change to an area."""

    type: Literal[ChangeType.area] = Field(description="The kind of resource.", examples=["area"])
    resource: AreaPublic | None = Field(description=_RESOURCE, examples=[None])


class ProgramChange(_Change):
    """A change to a program."""

    type: Literal[ChangeType.program] = Field(
        description="The kind of resource.", examples=["program"]
    )
    resource: ProgramPublic | None = Field(description=_RESOURCE, examples=[None])


class EnrollmentChange(_Change):
    """A change to an enrollment."""

    type: Literal[ChangeType.enrollment] = Field(
        description="The kind of resource.", examples=["enrollment"]
    )
    resource: EnrollmentPublic | None = Field(description=_RESOURCE, examples=[None])


class ParticipantChange(_Change):
    """A change to a participant (as lists show it: without personal data)."""

    type: Literal[ChangeType.participant] = Field(
        description="The kind of resource.", examples=["participant"]
    )
    resource: ParticipantSummary | None = Field(description=_RESOURCE, examples=[None])


class InfrastructureProjectChange(_Change):
    """A change to an infrastructure project."""

    type: Literal[ChangeType.infrastructure_project] = Field(
        description="The kind of resource.", examples=["infrastructure_project"]
    )
    resource: InfrastructureProjectPublic | None = Field(description=_RESOURCE, examples=[None])


class ConsultationChange(_Change):
    """A change to a consultation."""

    type: Literal[ChangeType.consultation] = Field(
        description="The kind of resource.", examples=["consultation"]
    )
    resource: ConsultationPublic | None = Field(description=_RESOURCE, examples=[None])


class ContributionChange(_Change):
    """A change to a contribution."""

    type: Literal[ChangeType.contribution] = Field(
        description="The kind of resource.", examples=["contribution"]
    )
    resource: ContributionPublic | None = Field(description=_RESOURCE, examples=[None])


class FeedbackChange(_Change):
    """A change to feedback."""

    type: Literal[ChangeType.feedback] = Field(
        description="The kind of resource.", examples=["feedback"]
    )
    resource: FeedbackPublic | None = Field(description=_RESOURCE, examples=[None])


class SurveyChange(_Change):
    """A change to a survey."""

    type: Literal[ChangeType.survey] = Field(
        description="The kind of resource.", examples=["survey"]
    )
    resource: SurveyPublic | None = Field(description=_RESOURCE, examples=[None])


ChangeEntry = Annotated[
    OrganizationChange
    | AreaChange
    | ProgramChange
    | EnrollmentChange
    | ParticipantChange
    | InfrastructureProjectChange
    | ConsultationChange
    | ContributionChange
    | FeedbackChange
    | SurveyChange,
    Field(discriminator="type"),
]
"""A resource that changed, with what it is now: one schema per `type`."""


class ChangePage(BaseModel):
    """Changes after the cursor, oldest first."""

    data: list[ChangeEntry] = Field(
        description="Resources changed since the cursor, each once, in the order of their "
        "latest change on this page. Empty: the follower has caught up.",
        examples=[
            [
                {
                    "type": "feedback",
                    "id": "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01",
                    "op": "delete",
                    "resource": None,
                }
            ]
        ],
    )
    next_cursor: str = Field(
        description="Always present: pass it as `cursor` to continue, now or when polling later.",
        examples=["eyJ2IjoxLCJrIjoiMDowIn0.kX0b1m3qTgQ2"],
    )
