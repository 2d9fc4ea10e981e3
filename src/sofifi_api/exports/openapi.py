"""What the export operations' OpenAPI entries say about their answers."""

from typing import Any

from sofifi_api.errors import problem_responses
from sofifi_api.exports.formats import ExportFormat

_CSV_EXAMPLE = (
    "\ufeffid,created_at,updated_at,deleted_at,name,kind\r\n"
    "0195f3a8-7c1e-7d3a-9a54-3c1f0e2b4d6a,2026-03-02T01:15:00Z,2026-03-02T01:15:00Z,,"
    "Dinas Koperasi dan UKM Provinsi Maluku Utara,government\r\n"
)
_GEOJSON_SCHEMA = {
    "type": "object",
    "description": "An RFC 7946 FeatureCollection: one Feature per project, `geometry` its "
    "`location` (WGS84, longitude first; null when unknown), `properties` its other fields.",
}
_OC4IDS_EXAMPLE = {
    "version": "0.9",
    "uri": "https://api.example.go.id/v1/exports/infrastructure-projects?format=oc4ids",
    "publisher": {"name": "Sofifi API"},
    "license": None,
    "projects": [
        {
            "id": "0195f3a9-2b4c-7e10-8f21-6a3b5c7d9e01",
            "updated": "2026-05-03T07:21:09Z",
            "title": "Jalan usaha tani Desa Sofifi",
            "status": "implementation",
            "sector": ["transport", "transport.road"],
            "period": {"startDate": "2026-04-01T00:00:00Z", "endDate": "2026-10-31T00:00:00Z"},
            "budget": {"amount": {"amount": 1250000000, "currency": "IDR"}},
            "locations": [
                {
                    "id": "1",
                    "geometry": {"type": "Point", "coordinates": [127.58056, 0.72444]},
                    "gazetteer": {"scheme": "KEMENDAGRI", "identifiers": ["82.72.02.1003"]},
                }
            ],
        }
    ],
    "publishedDate": "2026-05-03T07:21:09Z",
}
_DISPOSITION = {
    "Content-Disposition": {
        "description": '`attachment; filename="<collection>-<UTC time>.<extension>"`.',
        "schema": {"type": "string"},
        "example": 'attachment; filename="feedback-20260502T031500Z.csv"',
    }
}
FORMATS = (
    "\n\nFormats: CSV (the default; `format=csv` or `Accept: text/csv`) for spreadsheets, "
    "UTF-8 with a byte order mark, a header row and CRLF line ends, lists and objects as JSON "
    "text, and text starting with `=`, `+`, `-`, `@`, tab or CR prefixed with `'` so that "
    "spreadsheets never run it as a formula; or NDJSON (`format=ndjson` or "
    "`Accept: application/x-ndjson`), one list item per line. Another Accept is 406. The body "
    "is streamed as it is read, so an export of any size starts at once; a transfer that "
    "ends early (a failure part-way) ends without the final chunk, never as a short file. "
    "A client may have a few exports under way at once (429 past them), and the service a "
    "few more for all clients (503 past them); a client that reads nothing for a while "
    "(30 s by default) has its download ended the same way."
)


def export_responses(
    item: dict[str, Any], *formats: ExportFormat
) -> dict[int | str, dict[str, Any]]:
    """The answers of an export operation: the 200 in each of its formats, then its errors."""
    content: dict[str, Any] = {
        "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
        "application/x-ndjson": {"schema": item},
    }
    if ExportFormat.geojson in formats:
        content["application/geo+json"] = {"schema": _GEOJSON_SCHEMA}
    if ExportFormat.oc4ids in formats:
        content["application/json"] = {"example": _OC4IDS_EXAMPLE}
    return {
        200: {
            "description": "The whole collection, as the filters narrow it, in the list's "
            "order. NDJSON lines have the list items' schema.",
            "content": content,
            "headers": _DISPOSITION,
        },
        **problem_responses(406, 422),
        **_STREAM_LIMITS,
    }


def _limit(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    answer = problem_responses(status)
    answer[status] = answer[status] | {
        "description": description,
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer"},
            }
        },
    }
    return answer


_STREAM_LIMITS = {
    **_limit(
        429,
        "Too many requests (the client's quota, or too many failed authentications; "
        "`/problems/too-many-requests`), or this client already has as many exports under "
        "way as it may (`/problems/too-many-exports`, 2 by default); retry after "
        "`Retry-After` seconds.",
    ),
    **_limit(
        503,
        "The service is streaming as many exports as it can for all clients together "
        "(`/problems/exports-busy`), or the database is busy or unreachable "
        "(`/problems/service-unavailable`); retry after "
        "`Retry-After` seconds.",
    ),
}


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SUB_COLLECTION = (
    " The parent filter is optional: without it the export holds the {items} of every {parent} "
    "the client sees; a {parent} that is missing, deleted or outside the client's areas is 404, "
    "as for its list."
)


def discriminated(property_name: str, schemas: dict[str, str]) -> dict[str, Any]:
    """A union of component schemas, told apart by the value of `property_name`."""
    mapping = {value: schema_ref(name)["$ref"] for value, name in schemas.items()}
    return {
        "oneOf": [schema_ref(name) for name in schemas.values()],
        "discriminator": {"propertyName": property_name, "mapping": mapping},
    }
