"""On PostgreSQL the database writes whole lines of the collections of plain fields (feedback,
organizations, enrollments, consultations); they are byte for byte what the Python writer
makes of the same rows."""

from typing import Any

import httpx
import pytest
from tests.exports.conftest import TRICKY_TEXTS, Json
from tests.factories import create_feedback, create_organization, create_program, create_survey

from sofifi_api.auth.areas import EVERY_AREA
from sofifi_api.consultations.service import ConsultationFilters, consultations_query
from sofifi_api.enrollments.service import EnrollmentFilters, enrollments_query
from sofifi_api.exports import collections
from sofifi_api.exports.collections import Collection
from sofifi_api.exports.fields import sql_writable
from sofifi_api.exports.formats import ExportFormat
from sofifi_api.exports.service import (
    ExportSource,
    LineWriter,
    Writer,
    export_chunks,
    tabular_export,
)
from sofifi_api.feedback.service import FeedbackFilters, feedback_query
from sofifi_api.organizations.service import OrganizationFilters, organizations_query


@pytest.fixture(autouse=True)
def only_on_postgres(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("the database writes lines only on PostgreSQL")


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


def plain_exports(
    collection: Collection, matching: Any, export_format: ExportFormat
) -> tuple[Export, Export]:
    """The statement and writer of the export written by the database, and by Python."""
    by_database = tabular_export(collection, matching, export_format, "postgresql")
    by_python = tabular_export(collection, matching, export_format, "sqlite")
    assert isinstance(by_database[1], LineWriter)
    assert not isinstance(by_python[1], LineWriter)
    return by_database, by_python


def plain_collections() -> list[tuple[Collection, Any]]:
    """Every collection the database writes lines of, with all its rows selected."""
    return [
        (
            collections.FEEDBACK,
            feedback_query(FeedbackFilters(include_deleted=True), areas=EVERY_AREA),
        ),
        (collections.ORGANIZATIONS, organizations_query(OrganizationFilters())),
        (collections.ENROLLMENTS, enrollments_query(EnrollmentFilters(), areas=EVERY_AREA)),
        (collections.CONSULTATIONS, consultations_query(ConsultationFilters(), areas=EVERY_AREA)),
    ]


def test_the_plain_collections_are_written_by_the_database() -> None:
    assert {collection.name for collection, _ in plain_collections()} == {
        collection.name
        for collection in vars(collections).values()
        if isinstance(collection, Collection) and sql_writable(collection.fields)
    }


@pytest.mark.parametrize("export_format", [ExportFormat.csv, ExportFormat.ndjson])
@pytest.mark.parametrize("index", range(4))
async def test_lines_written_by_the_database_equal_pythons(
    source: ExportSource, awkward_values: None, export_format: ExportFormat, index: int
) -> None:
    collection, matching = plain_collections()[index]
    by_database, by_python = plain_exports(collection, matching, export_format)

    database_bytes = await written(source, *by_database)

    assert database_bytes.count(b"\n") > 2
    assert database_bytes == await written(source, *by_python)
