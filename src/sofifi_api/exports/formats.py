"""Export formats: which one a request asks for, and how CSV cells and NDJSON lines are written.

CSV is written for Excel and for scripts alike: UTF-8 with a byte order mark, a header row, CRLF
line ends, fields quoted only when they hold a comma, a quote or a line break. A cell is empty
for null, `true`/`false` for booleans, and JSON text for a list or an object (`area_codes`,
`partners`, `answers`), the same in every column. Text that begins with `=`, `+`, `-`, `@`, a
tab or a carriage return gets a leading apostrophe (`'`), so that a spreadsheet shows it as
text instead of running it as a formula (CSV injection, OWASP); a reader that wants the exact
value removes that one apostrophe from such cells.

NDJSON is one compact JSON object per line (LF), with the field names and value formats of the
list items; JSON stored as it was submitted (`answers`, `location`, `funding_sources`) is
written as stored. The lines are written by msgspec's JSON encoder, in C: the same escapes as
the standard library's, timestamps in the API's RFC 3339 form.
"""

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from sofifi_api.errors import ApiError

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    """Every format an export may be written in."""

    csv = "csv"
    ndjson = "ndjson"
    geojson = "geojson"
    oc4ids = "oc4ids"


@dataclass(frozen=True)
class MediaType:
    content_type: str
    # What an Accept header may name to choose the format, the first being its own name.
    accepted: tuple[str, ...]
    extension: str


MEDIA_TYPES = {
    ExportFormat.csv: MediaType("text/csv; charset=utf-8; header=present", ("text/csv",), "csv"),
    ExportFormat.ndjson: MediaType(
        "application/x-ndjson", ("application/x-ndjson", "application/ndjson"), "ndjson"
    ),
    ExportFormat.geojson: MediaType("application/geo+json", ("application/geo+json",), "geojson"),
    ExportFormat.oc4ids: MediaType("application/json", ("application/json",), "json"),
}


class NotAcceptable(ApiError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"

    def __init__(self, offered: Sequence[ExportFormat]) -> None:
        types = ", ".join(MEDIA_TYPES[export_format].accepted[0] for export_format in offered)
        names = ", ".join(offered)
        super().__init__(
            f"This export is available as {types}; send one of them in Accept, or choose "
            f"with the format parameter ({names})."
        )


def _accepted_ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their weights (RFC 9110 §12.5.1)."""
    ranges = []
    for element in accept.split(","):
        media_range, *parameters = (part.strip() for part in element.split(";"))
        if media_range.count("/") != 1:
            continue
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        ranges.append((media_range.lower(), weight))
    return ranges


def _weight(ranges: list[tuple[str, float]], media_type: str) -> float:
    """The weight of the most specific range that matches `media_type` (0: none does)."""
    kind = media_type.split("/", maxsplit=1)[0]
    best: tuple[int, float] = (-1, 0.0)
    for media_range, weight in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        best = max(best, (specificity, weight))
    return best[1]


def negotiate(
    accept: str | None, requested: ExportFormat | None, offered: Sequence[ExportFormat]
) -> ExportFormat:
    """`format` wins; otherwise the Accept header's most wanted offered format, ties going to
    the earlier offer; without Accept (or with `*/*`), the first offer. Nothing acceptable is
    406."""
    if requested is not None:
        return requested
    ranges = _accepted_ranges(accept or "")
    if not ranges:
        return offered[0]
    chosen, chosen_weight = None, 0.0
    for export_format in offered:
        weight = max(_weight(ranges, name) for name in MEDIA_TYPES[export_format].accepted)
        if weight > chosen_weight:
            chosen, chosen_weight = export_format, weight
    if chosen is None:
        raise NotAcceptable(offered)
    return chosen


def attachment(collection: str, export_format: ExportFormat, at: datetime) -> str:
    """`Content-Disposition` naming the file after the collection and the UTC time."""
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    return f'attachment; filename="{collection}-{stamp}.{MEDIA_TYPES[export_format].extension}"'


def guard_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula, made plain text with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def dumps(value: Any) -> str:
    """Compact JSON with text as it is (UTF-8), as the API's own responses."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def csv_cell(value: Any) -> str:
    """The text of one CSV cell (quoting is the writer's)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return guard_formula(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, msgspec.Raw):
        # Stored JSON, as stored.
        return guard_formula(bytes(value).decode())
    return guard_formula(dumps(value))


def csv_lines(rows: Iterable[Sequence[str]]) -> str:
    """Rows of cell texts as CSV lines, each ending CRLF."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def csv_head(names: Sequence[str]) -> str:
    """The byte order mark that tells Excel the file is UTF-8, and the header row."""
    return BOM + csv_lines([names])


_ENCODER = msgspec.json.Encoder()


def ndjson_lines(items: Sequence[Any]) -> bytes:
    """Items (dicts or msgspec structs) as lines of JSON, keys in the items' order; stored
    JSON (`msgspec.Raw`) is put in as stored."""
    return _ENCODER.encode_lines(items)
