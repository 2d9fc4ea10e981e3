"""Collections of plain fields (feedback, organizations, enrollments, consultations) take
shortcuts: on PostgreSQL the database writes their CSV lines (and every export's timestamps),
and their NDJSON items are written without building a dict. The bytes are byte for byte what
the general writers make of the same rows with every value converted in Python."""

from typing import Any

import httpx
import pytest
from tests.exports.conftest import TRICKY_TEXTS, Json
from tests.factories import create_feedback, create_organization, create_program, create_survey

from sofifi_api.areas.representation import AREAS
from sofifi_api.auth.areas import EVERY_AREA
from sofifi_api.consultations.service import ConsultationFilters, consultations_query
from sofifi_api.enrollments.service import EnrollmentFilters, enrollments_query
from sofifi_api.exports.fields import sql_writable
from sofifi_api.exports.formats import ExportFormat
from sofifi_api.exports.service import (
    CsvWriter,
    ExportSource,
    LineWriter,
    NdjsonWriter,
    PlainNdjsonWriter,
    Writer,
    export_chunks,
    tabular_export,
)
from sofifi_api.feedback.service import FeedbackFilters, feedback_query
from sofifi_api.organizations.representation import ORGANIZATIONS
from sofifi_api.organizations.service import OrganizationFilters, organizations_query
from sofifi_api.programs.representation import PROGRAMS
from sofifi_api.representations import collections
from sofifi_api.representations.collection import Collection


@pytest.fixture
async def awkward_values(client: httpx.AsyncClient, world: dict[str, list[Json]]) -> None:
    """Values that test every rule of both writers."""
    program = await create_program(client, world["organizations"][0]["id"])
    survey = await create_survey(
        client,
        questions=[
            {"key": "saran", "type": "text", "label": "Saran?"},
            {"key": "nilai", "type": "number", "label": "Nilai?"},
        ],
    )
    texts = [
        *TRICKY_TEXTS,
        'kutip " di tengah',
        "koma, saja",
        "hanya\nLF",
        "hanya\rCR",
        "kontrol \x01\x1f dan \\ garis miring",
        "aksara é ñ 日本 😀",
        " spasi di depan",
        "",
    ]
    for index, text in enumerate(texts):
        await create_feedback(
            client,
            program["id"],
            comment=text or None,
            rating=None if text else 1,
            client_ref=text if text.isprintable() and text else None,
            submitted_at=f"2026-05-01T03:00:0{index % 10}.{index:06d}Z",
            survey_id=survey["id"],
            survey_version=1,
            answers={"saran": text, "nilai": -1.5 if index % 2 else index},
        )
    await create_organization(client, name="Nama\twith\ttabs", website="https://x.invalid/?a=1,2")


async def written(source: ExportSource, statement: Any, writer: Writer) -> bytes:
    chunks = export_chunks(source, statement, writer, label="test", request_id="test")
    return b"".join([chunk async for chunk in chunks])


Export = tuple[Any, Writer]


def general_export(collection: Collection, matching: Any, export_format: ExportFormat) -> Export:
    """The statement and writer any collection can have: plain columns, each value converted in
    Python (as on SQLite), the item built as a dict."""
    writer = (
        CsvWriter(collection, "sqlite")
        if export_format is ExportFormat.csv
        else NdjsonWriter(collection, "sqlite")
    )
    return collection.statement(matching, "sqlite"), writer


def plain_collections() -> list[tuple[Collection, Any]]:
    """Every collection the database writes lines of, with all its rows selected."""
    return [
        (
            collections.FEEDBACK,
            feedback_query(FeedbackFilters(include_deleted=True), areas=EVERY_AREA),
        ),
        (ORGANIZATIONS, organizations_query(OrganizationFilters())),
        (collections.ENROLLMENTS, enrollments_query(EnrollmentFilters(), areas=EVERY_AREA)),
        (collections.CONSULTATIONS, consultations_query(ConsultationFilters(), areas=EVERY_AREA)),
    ]


def test_the_plain_collections_are_those_of_plain_fields() -> None:
    assert {collection.name for collection, _ in plain_collections()} == {
        collection.name
        for collection in [*vars(collections).values(), ORGANIZATIONS, AREAS, PROGRAMS]
        if isinstance(collection, Collection) and sql_writable(collection.fields)
    }


async def both_ways(
    source: ExportSource, index: int, export_format: ExportFormat, shortcut: type[Writer]
) -> tuple[bytes, bytes]:
    """A plain collection's export as the service writes it (with `shortcut`), and as the
    general writer does."""
    collection, matching = plain_collections()[index]
    statement, writer = tabular_export(collection, matching, export_format, source.dialect)
    assert isinstance(writer, shortcut)
    general = general_export(collection, matching, export_format)
    return await written(source, statement, writer), await written(source, *general)


@pytest.mark.parametrize("index", range(4))
async def test_csv_lines_written_by_postgresql_equal_pythons(
    source: ExportSource, is_postgres: bool, awkward_values: None, index: int
) -> None:
    if not is_postgres:
        pytest.skip("the database writes lines only on PostgreSQL")

    by_database, by_python = await both_ways(source, index, ExportFormat.csv, LineWriter)

    assert by_database.count(b"\n") > 2
    assert by_database == by_python


@pytest.mark.parametrize("index", range(4))
async def test_ndjson_lines_of_plain_items_equal_those_of_dicts(
    source: ExportSource, awkward_values: None, index: int
) -> None:
    of_structs, of_dicts = await both_ways(source, index, ExportFormat.ndjson, PlainNdjsonWriter)

    assert of_structs.count(b"\n") > 2
    assert of_structs == of_dicts
