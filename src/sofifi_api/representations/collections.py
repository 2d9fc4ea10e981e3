"""What each collection's items hold: the fields of its representation, in order, and the SQL
that selects them, derived values included (counts, totals, related codes and ids are
subqueries of one statement, never a query per row). Lists, single reads and exports build
their items from these; those of organizations, areas and programs live in their packages."""

from typing import Any

from sqlmodel import col

from sofifi_api.auth.areas import AreaScope
from sofifi_api.consultations.models import Consultation
from sofifi_api.contributions.models import Contribution
from sofifi_api.enrollments.models import Enrollment
from sofifi_api.feedback.models import Feedback
from sofifi_api.infrastructure_projects.models import InfrastructureProject
from sofifi_api.infrastructure_projects.service import (
    area_codes_of,
    participation_totals_of,
    women_share,
)
from sofifi_api.participants.models import GroupPublic, Participant, PersonSummary
from sofifi_api.participants.service import member_ids_of
from sofifi_api.representations.collection import (
    Collection,
    joined,
    resource_fields,
    sorted_ids,
)
from sofifi_api.representations.fields import Field, Kind, derived, field

FEEDBACK = Collection(
    name="feedback",
    key=col(Feedback.id),
    fields=(
        *resource_fields(Feedback),
        field("survey_id", col(Feedback.survey_id), Kind.ID),
        field("survey_version", col(Feedback.survey_version), Kind.INTEGER),
        field("answers", col(Feedback.answers), Kind.JSON),
        field("program_id", col(Feedback.program_id), Kind.ID),
        field("infrastructure_project_id", col(Feedback.infrastructure_project_id), Kind.ID),
        field("rating", col(Feedback.rating), Kind.INTEGER),
        field("comment", col(Feedback.comment), Kind.TEXT),
        field("area_code", col(Feedback.area_code), Kind.TEXT),
        field("submitted_at", col(Feedback.submitted_at), Kind.TIMESTAMP),
        field("client_ref", col(Feedback.client_ref), Kind.TEXT),
        field("received_at", col(Feedback.received_at), Kind.TIMESTAMP),
        field("status", col(Feedback.status), Kind.TEXT),
        field("response_note", col(Feedback.response_note), Kind.TEXT),
        field("review_status", col(Feedback.review_status), Kind.TEXT),
        field("reviewed_at", col(Feedback.reviewed_at), Kind.TIMESTAMP),
        field("reviewed_by", col(Feedback.reviewed_by), Kind.ID),
    ),
)


def _project_totals() -> tuple[Field, ...]:
    consultations, participants, women, person_days, value = participation_totals_of(
        col(InfrastructureProject.id)
    )
    return (
        field("consultations_count", consultations, Kind.INTEGER),
        derived("women_share_in_consultations", women_share, participants, women),
        derived("community_person_days", lambda days: float(days or 0), person_days),
        derived("community_contribution_value_idr", lambda idr: int(idr or 0), value),
    )


PROJECTS = Collection(
    name="infrastructure-projects",
    key=col(InfrastructureProject.id),
    fields=(
        *resource_fields(InfrastructureProject),
        field("title", col(InfrastructureProject.title), Kind.TEXT),
        field("description", col(InfrastructureProject.description), Kind.TEXT),
        field("project_type", col(InfrastructureProject.project_type), Kind.TEXT),
        field("status", col(InfrastructureProject.status), Kind.TEXT),
        field("budget_idr", col(InfrastructureProject.budget_idr), Kind.INTEGER),
        field(
            "implementing_organization_id",
            col(InfrastructureProject.implementing_organization_id),
            Kind.ID,
        ),
        field("start_date", col(InfrastructureProject.start_date), Kind.DATE),
        field("end_date", col(InfrastructureProject.end_date), Kind.DATE),
        field("completed_on", col(InfrastructureProject.completed_on), Kind.DATE),
        field("progress_percent", col(InfrastructureProject.progress_percent), Kind.INTEGER),
        field("beneficiaries_count", col(InfrastructureProject.beneficiaries_count), Kind.INTEGER),
        field("location", col(InfrastructureProject.location), Kind.JSON),
        derived("area_codes", joined, area_codes_of(col(InfrastructureProject.id))),
        field("funding_sources", col(InfrastructureProject.funding_sources), Kind.JSON),
        *_project_totals(),
    ),
)

ENROLLMENTS = Collection(
    name="enrollments",
    key=col(Enrollment.id),
    fields=(
        *resource_fields(Enrollment),
        field("status", col(Enrollment.status), Kind.TEXT),
        field("enrolled_on", col(Enrollment.enrolled_on), Kind.DATE),
        field("completed_on", col(Enrollment.completed_on), Kind.DATE),
        field(
            "baseline_monthly_income_idr",
            col(Enrollment.baseline_monthly_income_idr),
            Kind.INTEGER,
        ),
        field("latest_monthly_income_idr", col(Enrollment.latest_monthly_income_idr), Kind.INTEGER),
        field("notes", col(Enrollment.notes), Kind.TEXT),
        field("program_id", col(Enrollment.program_id), Kind.ID),
        field("participant_id", col(Enrollment.participant_id), Kind.ID),
    ),
)

CONSULTATIONS = Collection(
    name="consultations",
    key=col(Consultation.id),
    fields=(
        *resource_fields(Consultation),
        field("held_on", col(Consultation.held_on), Kind.DATE),
        field("location_name", col(Consultation.location_name), Kind.TEXT),
        field("participants_count", col(Consultation.participants_count), Kind.INTEGER),
        field("women_count", col(Consultation.women_count), Kind.INTEGER),
        field("summary", col(Consultation.summary), Kind.TEXT),
        field("project_id", col(Consultation.project_id), Kind.ID),
        field("decisions", col(Consultation.decisions), Kind.JSON),
    ),
)

CONTRIBUTIONS = Collection(
    name="contributions",
    key=col(Contribution.id),
    fields=(
        *resource_fields(Contribution),
        field("kind", col(Contribution.kind), Kind.TEXT),
        field("description", col(Contribution.description), Kind.TEXT),
        field("contributed_on", col(Contribution.contributed_on), Kind.DATE),
        field("contributors_count", col(Contribution.contributors_count), Kind.INTEGER),
        field("person_days", col(Contribution.person_days), Kind.NUMBER),
        field("value_idr", col(Contribution.value_idr), Kind.INTEGER),
        field("project_id", col(Contribution.project_id), Kind.ID),
    ),
)

_PERSON_FIELDS = frozenset(PersonSummary.model_fields)
_GROUP_FIELDS = frozenset(GroupPublic.model_fields)


def _as_listed(item: dict[str, Any]) -> dict[str, Any]:
    """A person or a group with the fields the list shows for its kind, and no others."""
    shown = _PERSON_FIELDS if item["kind"] == "person" else _GROUP_FIELDS
    return {name: value for name, value in item.items() if name in shown}


def participants(areas: AreaScope) -> Collection:
    """Persons and groups as the list shows them, never with personal data: NIK, phone and
    exact birth date are not even selected. Group members are those in `areas`."""
    members = member_ids_of(col(Participant.id), areas)
    return Collection(
        name="participants",
        key=col(Participant.id),
        shape=_as_listed,
        fields=(
            *resource_fields(Participant),
            field("gender", col(Participant.gender), Kind.TEXT),
            field("birth_year", col(Participant.birth_year), Kind.INTEGER),
            field("area_code", col(Participant.area_code), Kind.TEXT),
            field("consent_given", col(Participant.consent_given), Kind.BOOLEAN),
            field("consent_at", col(Participant.consent_at), Kind.TIMESTAMP),
            field("consent_basis", col(Participant.consent_basis), Kind.TEXT),
            field("kind", col(Participant.kind), Kind.TEXT),
            field("full_name", col(Participant.full_name), Kind.TEXT),
            field("erased_at", col(Participant.erased_at), Kind.TIMESTAMP),
            field("name", col(Participant.name), Kind.TEXT),
            field("group_type", col(Participant.group_type), Kind.TEXT),
            derived("member_ids", sorted_ids, members),
            derived("members_count", lambda text: len(joined(text)), members),
        ),
    )
