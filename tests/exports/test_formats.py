"""Choosing the format (`format` wins over Accept, CSV without either, 406 for the rest), the
download's name, and what makes the CSV safe and readable in a spreadsheet."""

import re

import httpx
import pytest
from tests.exports.conftest import TRICKY_TEXTS, Json, csv_rows
from tests.factories import create_organization

from sofifi_api.exports.formats import ExportFormat, NotAcceptable, csv_cell, negotiate

TABULAR = (ExportFormat.csv, ExportFormat.ndjson)
NDJSON = "application/x-ndjson"


@pytest.fixture
async def organizations(client: httpx.AsyncClient) -> list[Json]:
    return [
        await create_organization(client, name=name, description=description)
        for name, description in zip(TRICKY_TEXTS, reversed(TRICKY_TEXTS), strict=True)
    ]


async def test_without_format_or_accept_the_export_is_csv(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/exports/organizations", headers={"Accept": ""})

    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/csv", "text/csv; charset=utf-8; header=present"),
        (NDJSON, NDJSON),
        ("application/ndjson", NDJSON),
        ("*/*", "text/csv; charset=utf-8; header=present"),
        ("application/*", NDJSON),
        ("text/csv;q=0.5, application/x-ndjson;q=0.9", NDJSON),
        ("application/json, text/csv;q=0.1", "text/csv; charset=utf-8; header=present"),
    ],
)
async def test_accept_chooses_the_format(
    client: httpx.AsyncClient, accept: str, content_type: str
) -> None:
    response = await client.get("/v1/exports/organizations", headers={"Accept": accept})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type


async def test_format_parameter_wins_over_accept(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/exports/organizations", params={"format": "ndjson"}, headers={"Accept": "text/csv"}
    )

    assert response.headers["content-type"] == NDJSON


@pytest.mark.parametrize(
    "accept", ["application/xml", "application/json", "text/csv;q=0", "image/*"]
)
async def test_an_accept_naming_no_offered_format_is_406_problem(
    client: httpx.AsyncClient, accept: str
) -> None:
    response = await client.get("/v1/exports/feedback", headers={"Accept": accept})

    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/not-acceptable"
    assert "text/csv" in body["detail"]
    assert "application/x-ndjson" in body["detail"]


async def test_an_unknown_format_is_422_naming_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/exports/feedback", params={"format": "xlsx"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "format"
    assert "'csv' or 'ndjson'" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("export_format", "extension"), [("csv", "csv"), ("ndjson", "ndjson")])
async def test_the_download_is_named_after_the_collection_and_the_utc_time(
    client: httpx.AsyncClient, export_format: str, extension: str
) -> None:
    response = await client.get("/v1/exports/programs", params={"format": export_format})

    assert re.fullmatch(
        rf'attachment; filename="programs-\d{{8}}T\d{{6}}Z\.{extension}"',
        response.headers["content-disposition"],
    )
    assert response.headers["vary"] == "Accept"


async def test_csv_starts_with_a_bom_and_ends_lines_with_crlf(
    client: httpx.AsyncClient, organizations: list[Json]
) -> None:
    response = await client.get("/v1/exports/organizations")

    assert response.content.startswith(b"\xef\xbb\xbfid,created_at,")
    # Line breaks inside a quoted cell stay as sent; every row ends CRLF.
    assert (
        response.content.count(b"\r\n")
        == len(organizations) + 1 + sum(text.count("\r\n") for text in TRICKY_TEXTS) * 2
    )


async def test_csv_cells_a_spreadsheet_would_run_start_with_an_apostrophe(
    client: httpx.AsyncClient, organizations: list[Json]
) -> None:
    rows = csv_rows(await client.get("/v1/exports/organizations"))

    assert [row["name"] for row in rows] == [
        '\'=HYPERLINK("http://example.invalid","klik")',
        '\'-Jalan rusak, "parah" sekali',
        "'+62 821 ini bukan nomor",
        "'@Dinas PUPR\r\nbaris kedua",
        "'\tdiawali tab",
        "Catatan biasa; tanpa masalah",
    ]


def test_numbers_and_booleans_are_not_guarded() -> None:
    assert [csv_cell(value) for value in (-5, -0.5, True, False, None, ["-a"])] == [
        "-5",
        "-0.5",
        "true",
        "false",
        "",
        '["-a"]',
    ]


def test_a_json_cell_starting_like_a_formula_is_guarded_too() -> None:
    assert csv_cell({"=a": 1}) == '{"=a":1}'
    assert csv_cell("-1") == "'-1"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, ExportFormat.csv),
        ("", ExportFormat.csv),
        ("text/*;q=0.2, */*;q=0.1", ExportFormat.csv),
        ("TEXT/CSV", ExportFormat.csv),
        ("application/x-ndjson;q=1, text/csv;q=1", ExportFormat.csv),
        ("text/csv;q=0, */*", ExportFormat.ndjson),
        ("garbage, application/x-ndjson", ExportFormat.ndjson),
    ],
)
def test_negotiation_takes_the_most_wanted_then_the_first_offer(
    accept: str | None, chosen: ExportFormat
) -> None:
    assert negotiate(accept, None, TABULAR) == chosen


def test_negotiation_with_nothing_acceptable_raises_not_acceptable() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("application/pdf", None, TABULAR)
