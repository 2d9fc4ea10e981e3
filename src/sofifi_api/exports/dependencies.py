from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request

from sofifi_api.db import get_database
from sofifi_api.exports.formats import ExportFormat, negotiate
from sofifi_api.exports.service import ExportSource


def export_source(request: Request) -> ExportSource:
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


def tabular_format(
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


def project_format(
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
