from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from sofifi_api.areas.dependencies import AreaFiltersDep
from sofifi_api.areas.representation import AREAS
from sofifi_api.areas.service import areas_query
from sofifi_api.auth.dependencies import PrincipalDep, requires
from sofifi_api.consultations.dependencies import ConsultationFiltersDep
from sofifi_api.consultations.service import consultations_query
from sofifi_api.contributions.dependencies import ContributionFiltersDep
from sofifi_api.contributions.service import contributions_query
from sofifi_api.enrollments.dependencies import EnrollmentFiltersDep
from sofifi_api.enrollments.service import enrollments_query
from sofifi_api.errors import FieldError, ValidationFailed, problem_responses
from sofifi_api.exports.dependencies import (
    ExportSourceDep,
    ProgramFilterDep,
    ProjectFilterDep,
    ProjectFormatDep,
    TabularFormatDep,
)
from sofifi_api.exports.formats import ExportFormat
from sofifi_api.exports.openapi import (
    FORMATS,
    SUB_COLLECTION,
    discriminated,
    export_responses,
    schema_ref,
)
from sofifi_api.exports.projects import OC4IDS_MAPPING, GeoJsonWriter, Oc4idsWriter
from sofifi_api.exports.service import ExportSource, Writer, export_response, tabular_export
from sofifi_api.feedback.dependencies import FeedbackFiltersDep
from sofifi_api.feedback.service import feedback_query
from sofifi_api.infrastructure_projects.dependencies import ProjectFiltersDep
from sofifi_api.infrastructure_projects.service import projects_query
from sofifi_api.organizations.dependencies import OrganizationFiltersDep
from sofifi_api.organizations.representation import ORGANIZATIONS
from sofifi_api.organizations.service import organizations_query
from sofifi_api.participants.dependencies import ParticipantFiltersDep
from sofifi_api.participants.service import participants_query
from sofifi_api.programs import representation
from sofifi_api.programs.dependencies import ProgramFiltersDep
from sofifi_api.programs.service import programs_query
from sofifi_api.representations import collections
from sofifi_api.representations.collection import Collection

router = APIRouter(prefix="/exports", tags=["exports"])


def _tabular(
    request: Request,
    source: ExportSource,
    collection: Collection,
    matching: Any,
    export_format: ExportFormat,
) -> Response:
    statement, writer = tabular_export(collection, matching, export_format, source.dialect)
    return export_response(
        request,
        source,
        name=collection.name,
        export_format=export_format,
        statement=statement,
        writer=writer,
    )


@router.get(
    "/organizations",
    dependencies=[requires("organizations:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export organizations",
    description="Every organization that `GET /v1/organizations` lists with the same filters, "
    "in one download, in creation order." + FORMATS,
    responses=export_responses(schema_ref("OrganizationPublic")),
)
async def export_organizations(
    request: Request,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: OrganizationFiltersDep,
) -> Response:
    """Every organization the list shows, streamed as CSV or NDJSON."""
    return _tabular(
        request,
        source,
        ORGANIZATIONS,
        organizations_query(filters),
        export_format,
    )


@router.get(
    "/areas",
    dependencies=[requires("areas:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export areas",
    description="Every area that `GET /v1/areas` lists with the same filters, in one "
    "download, in code order (each area after its parent)." + FORMATS,
    responses=export_responses(schema_ref("AreaPublic")),
)
async def export_areas(
    request: Request,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: AreaFiltersDep,
) -> Response:
    """Every area the list shows, streamed as CSV or NDJSON."""
    return _tabular(request, source, AREAS, areas_query(filters), export_format)


@router.get(
    "/programs",
    dependencies=[requires("programs:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export programs",
    description="Every program that `GET /v1/programs` lists with the same filters, in one "
    "download, in creation order, with partners, target areas and enrollment counts. A "
    "client restricted to areas gets only programs targeting one of them." + FORMATS,
    responses=export_responses(schema_ref("ProgramPublic")),
)
async def export_programs(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: ProgramFiltersDep,
) -> Response:
    """Every program the list shows, streamed as CSV or NDJSON."""
    matching = programs_query(filters, areas=principal.areas)
    return _tabular(request, source, representation.PROGRAMS, matching, export_format)


@router.get(
    "/participants",
    dependencies=[requires("participants:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export participants",
    description="Every participant that `GET /v1/participants` lists with the same filters, "
    "in one download, in creation order, as the list shows them: persons without NIK, phone "
    "or exact birth date, whatever the client's scopes (`participants:pii` included); groups "
    "with their members. In CSV, persons and groups share one header: columns of the other "
    "kind stay empty. A client restricted to areas gets only participants in them, and only "
    "group members in them." + FORMATS,
    responses=export_responses(
        discriminated("kind", {"person": "PersonSummary", "group": "GroupPublic"})
    ),
)
async def export_participants(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: ParticipantFiltersDep,
) -> Response:
    """Every participant the list shows, without personal data, streamed as CSV or NDJSON."""
    matching = participants_query(filters, areas=principal.areas)
    collection = collections.participants(principal.areas)
    return _tabular(request, source, collection, matching, export_format)


@router.get(
    "/infrastructure-projects",
    dependencies=[requires("projects:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export infrastructure projects",
    description="Every project that `GET /v1/infrastructure-projects` lists with the same "
    "filters, in one download, in creation order, with their community totals. A client "
    "restricted to areas gets only projects serving one of them." + FORMATS + "\n\n"
    "**GeoJSON** (`format=geojson`, `application/geo+json`): an RFC 7946 FeatureCollection "
    "that QGIS and other GIS tools open directly. Each project is a Feature whose `geometry` "
    "is its `location` (WGS84, [longitude, latitude]; null when unknown) and whose "
    "`properties` are its other fields.\n\n" + OC4IDS_MAPPING,
    responses=export_responses(
        schema_ref("InfrastructureProjectPublic"), ExportFormat.geojson, ExportFormat.oc4ids
    ),
)
async def export_infrastructure_projects(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: ProjectFormatDep,
    filters: ProjectFiltersDep,
) -> Response:
    """Every project the list shows, streamed as CSV, NDJSON, GeoJSON or OC4IDS."""
    collection = collections.PROJECTS
    matching = projects_query(filters, areas=principal.areas)
    writer: Writer
    if export_format is ExportFormat.geojson:
        statement = collection.statement(matching, source.dialect)
        writer = GeoJsonWriter(collection, source.dialect)
    elif export_format is ExportFormat.oc4ids:
        if filters.include_deleted:
            message = "OC4IDS has no place for deleted projects; leave out include_deleted."
            raise ValidationFailed(
                message,
                errors=[
                    FieldError(
                        location="query",
                        field="include_deleted",
                        message=message,
                        code="not_for_format",
                    )
                ],
            )
        statement = collection.statement(matching, source.dialect)
        writer = Oc4idsWriter(collection, source.dialect, str(request.url))
    else:
        return _tabular(request, source, collection, matching, export_format)
    return export_response(
        request,
        source,
        name=collection.name,
        export_format=export_format,
        statement=statement,
        writer=writer,
    )


@router.get(
    "/feedback",
    dependencies=[requires("feedback:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export feedback",
    description="All feedback that `GET /v1/feedback` lists with the same filters, in one "
    "download, in creation order. A client restricted to areas gets only feedback about a "
    "program or project in its areas collected in one of them or naming no area." + FORMATS,
    responses=export_responses(schema_ref("FeedbackPublic")),
)
async def export_feedback(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: FeedbackFiltersDep,
) -> Response:
    """All feedback the list shows, streamed as CSV or NDJSON."""
    matching = feedback_query(filters, areas=principal.areas)
    return _tabular(request, source, collections.FEEDBACK, matching, export_format)


@router.get(
    "/enrollments",
    dependencies=[requires("programs:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export enrollments",
    description="Enrollments as `GET /v1/programs/{program_id}/enrollments` lists them, with "
    "its filters, in one download, in creation order. A client restricted to areas gets only "
    "enrollments in programs targeting its areas of participants in them."
    + SUB_COLLECTION.format(items="enrollments", parent="program")
    + FORMATS,
    responses=export_responses(schema_ref("EnrollmentPublic")) | problem_responses(404),
)
async def export_enrollments(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: EnrollmentFiltersDep,
    program_id: ProgramFilterDep,
) -> Response:
    """Enrollments, of one program or of all, streamed as CSV or NDJSON."""
    matching = enrollments_query(replace(filters, program_id=program_id), areas=principal.areas)
    return _tabular(request, source, collections.ENROLLMENTS, matching, export_format)


@router.get(
    "/consultations",
    dependencies=[requires("projects:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export consultations",
    description="Consultations (musyawarah) as "
    "`GET /v1/infrastructure-projects/{project_id}/consultations` lists them, with its "
    "filters, in one download, in creation order. A client restricted to areas gets only "
    "those of projects serving its areas."
    + SUB_COLLECTION.format(items="consultations", parent="project")
    + FORMATS,
    responses=export_responses(schema_ref("ConsultationPublic")) | problem_responses(404),
)
async def export_consultations(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: ConsultationFiltersDep,
    project_id: ProjectFilterDep,
) -> Response:
    """Consultations, of one project or of all, streamed as CSV or NDJSON."""
    matching = consultations_query(replace(filters, project_id=project_id), areas=principal.areas)
    return _tabular(request, source, collections.CONSULTATIONS, matching, export_format)


@router.get(
    "/contributions",
    dependencies=[requires("projects:read")],
    response_class=StreamingResponse,
    response_model=None,
    summary="Export contributions",
    description="Community contributions (swadaya) as "
    "`GET /v1/infrastructure-projects/{project_id}/contributions` lists them, with its "
    "filters, in one download, in creation order. A client restricted to areas gets only "
    "those of projects serving its areas."
    + SUB_COLLECTION.format(items="contributions", parent="project")
    + FORMATS,
    responses=export_responses(schema_ref("ContributionPublic")) | problem_responses(404),
)
async def export_contributions(
    request: Request,
    principal: PrincipalDep,
    source: ExportSourceDep,
    export_format: TabularFormatDep,
    filters: ContributionFiltersDep,
    project_id: ProjectFilterDep,
) -> Response:
    """Contributions, to one project or to all, streamed as CSV or NDJSON."""
    matching = contributions_query(replace(filters, project_id=project_id), areas=principal.areas)
    return _tabular(request, source, collections.CONTRIBUTIONS, matching, export_format)
