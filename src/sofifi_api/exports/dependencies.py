import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request

from sofifi_api.auth.dependencies import PrincipalDep
from sofifi_api.db import SessionDep, get_database
from sofifi_api.exports.formats import ExportFormat, negotiate
from sofifi_api.exports.service import ExportSource
from sofifi_api.infrastructure_projects.service import get_project
from sofifi_api.programs.service import get_program


async def export_source(request: Request) -> ExportSource:
    """Exports read through connections of their own, from the exports' own pool."""
    database = get_database(request)
    return ExportSource(
        open_connection=database.export_engine.connect,
        dialect=database.export_engine.dialect.name,
    )


ExportSourceDep = Annotated[ExportSource, Depends(export_source)]


class TabularFormat(StrEnum):
    """`csv` or `ndjson`."""

    csv = "csv"
    ndjson = "ndjson"


class ProjectFormat(StrEnum):
    """`csv`, `ndjson`, `geojson` or `oc4ids`."""

    csv = "csv"
    ndjson = "ndjson"
    geojson = "geojson"
    oc4ids = "oc4ids"


TABULAR = (ExportFormat.csv, ExportFormat.ndjson)
PROJECT_FORMATS = (*TABULAR, ExportFormat.geojson, ExportFormat.oc4ids)


def _accept(request: Request) -> str:
    return ", ".join(request.headers.getlist("accept"))


async def tabular_format(
    request: Request,
    requested: Annotated[
        TabularFormat | None,
        Query(
            alias="format",
            description="`csv` (text/csv) or `ndjson` (application/x-ndjson). Takes precedence "
            "over the Accept header; without either the export is CSV.",
            examples=["ndjson"],
        ),
    ] = None,
) -> ExportFormat:
    """The format asked for with `format`, or else with Accept (406 if none is offered)."""
    return negotiate(_accept(request), ExportFormat(requested) if requested else None, TABULAR)


async def project_format(
    request: Request,
    requested: Annotated[
        ProjectFormat | None,
        Query(
            alias="format",
            description="`csv` (text/csv), `ndjson` (application/x-ndjson), `geojson` "
            "(application/geo+json) or `oc4ids` (application/json). Takes precedence over the "
            "Accept header; without either the export is CSV.",
            examples=["geojson"],
        ),
    ] = None,
) -> ExportFormat:
    """The format asked for with `format`, or else with Accept (406 if none is offered)."""
    return negotiate(
        _accept(request), ExportFormat(requested) if requested else None, PROJECT_FORMATS
    )


TabularFormatDep = Annotated[ExportFormat, Depends(tabular_format)]
ProjectFormatDep = Annotated[ExportFormat, Depends(project_format)]


async def program_filter(
    session: SessionDep,
    principal: PrincipalDep,
    program_id: Annotated[
        uuid.UUID | None, Query(description="Only the enrollments of this program.")
    ] = None,
) -> uuid.UUID | None:
    """The program an export is narrowed to: one that is missing, deleted or outside the
    client's areas is 404, as its list `GET /v1/programs/{program_id}/enrollments` answers."""
    if program_id is not None:
        await get_program(session, program_id, areas=principal.areas)
    return program_id


async def project_filter(
    session: SessionDep,
    principal: PrincipalDep,
    project_id: Annotated[
        uuid.UUID | None, Query(description="Only the records of this project.")
    ] = None,
) -> uuid.UUID | None:
    """The project an export is narrowed to: one that is missing, deleted or outside the
    client's areas is 404, as its lists of consultations and contributions answer."""
    if project_id is not None:
        await get_project(session, project_id, areas=principal.areas)
    return project_id


ProgramFilterDep = Annotated[uuid.UUID | None, Depends(program_filter)]
ProjectFilterDep = Annotated[uuid.UUID | None, Depends(project_filter)]
