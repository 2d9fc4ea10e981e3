"""Texts of the OpenAPI document that do not belong to a single route, and the last touches
made to the generated document."""

from typing import Any

from fastapi import FastAPI

from sofifi_api.auth.dependencies import document_security
from sofifi_api.openapi_links import document_links
from sofifi_api.openapi_responses import document_responses

API_DESCRIPTION = """
The REST/JSON service behind partner integrations of community assistance
(*pendampingan masyarakat*) in Sofifi, North Maluku: programs, participants, infrastructure
projects built with the community, and the feedback people give about them.

**Access**: every `/v1` operation needs `Authorization: Bearer <API key or access token>`;
exchange a client id and API key for a token at `POST /v1/oauth/token` (the OAuth2 scheme in
**Authorize**). No credential is 401; one without the operation's scope is 403.

**Conventions**
- JSON in and out, snake_case, UTF-8. Unknown fields in a request body are refused (422).
- Ids are opaque strings. Timestamps are RFC 3339 in UTC; dates are `YYYY-MM-DD`;
  money is whole rupiah in fields ending `_idr`.
- Lists return `{"data": [...], "next_cursor": ...}` and a `Link: <...>; rel="next"` header.
  Pass `next_cursor` back as `cursor`; `limit` is 1 to 500 (default 50). Every list filters by
  `updated_since`; `include_deleted=true` also lists tombstones of deleted resources.
- `DELETE` answers 204 and keeps a tombstone; the resource then answers 404.
- Every successful JSON GET carries a strong `ETag` (per client: `Vary: Authorization`).
  Send it as `If-None-Match` to get 304 while unchanged, or as `If-Match` on PATCH, DELETE and
  a feedback review to get 412 instead of overwriting a change made since (lost-update
  protection).
- Every error is `application/problem+json` (RFC 9457) with `request_id`; validation errors
  list each invalid field in `errors`. Every response carries a `Request-Id` header.
- Request bodies are limited to 1 MiB (413) and must be JSON in UTF-8 (415 for another
  `charset`, 400 `/problems/malformed-json` for bytes that are not UTF-8), except the
  form-encoded OAuth2 token request. Fields take JSON's own types only: an integer is not
  `true` or `"5"`, a date is `YYYY-MM-DD`, an instant an RFC 3339 date-time with an offset.
  JSON nested deeper than 32 levels is refused (400
  `/problems/malformed-json`). A client that stalls while sending headers or a body (by default
  10 s for headers, 30 s between two parts of a body) gets 408 `/problems/request-timeout` and
  the connection is closed.
- A method a path does not serve is 405 `/problems/method-not-allowed` with an `Allow` header
  listing every method the path serves; `OPTIONS` on any path answers 204 with that `Allow`.
- Each client may make a number of requests per minute. Every authenticated response carries
  `RateLimit-Policy: "default";q=<quota>;w=60` and `RateLimit: "default";r=<left>;t=<seconds>`;
  past the quota the answer is 429 with `Retry-After`.
- Any operation answers 503 (`/problems/service-unavailable`, with `Retry-After`) while the
  database is unreachable or too slow, within seconds rather than holding the request; retry
  after that many seconds (a POST with its `Idempotency-Key`, so that it runs at most once).
"""

TAGS = [
    {
        "name": "organizations",
        "description": "Agencies, NGOs (LSM), companies and community "
        "bodies that run or fund work.",
    },
    {
        "name": "areas",
        "description": "Administrative areas, addressed by their official "
        "Kemendagri code: province, regency/city, district, village (desa/kelurahan).",
    },
    {
        "name": "programs",
        "description": "Assistance programs: economic empowerment, skills "
        "(handicrafts, organic farming, small-business management), health.",
    },
    {
        "name": "enrollments",
        "description": "Participants taking part in a program, with "
        "their status and income outcome.",
    },
    {
        "name": "participants",
        "description": "Persons and groups (such as a women's "
        "bamboo-weaving group) taking part in programs. Personal data is minimised in lists.",
    },
    {
        "name": "infrastructure-projects",
        "description": "Roads, bridges, water and other "
        "works built with community participation (OC4IDS status codes).",
    },
    {
        "name": "consultations",
        "description": "Community planning meetings (musyawarah) on a project.",
    },
    {
        "name": "contributions",
        "description": "Community self-help (swadaya) given to a "
        "project: labour, materials, land, cash.",
    },
    {
        "name": "surveys",
        "description": "Versioned forms whose answers feedback carries. Questions change only by "
        "publishing a new version; published versions never change.",
    },
    {"name": "feedback", "description": "Ratings and comments about a program or a project."},
    {
        "name": "statistics",
        "description": "Aggregates for planners: per program, per area and of feedback over "
        "time. For clients without `participants:pii`, counts of people from 1 to 4 (and the "
        "cells and rates that would reveal them) are withheld, so that small hamlets cannot be "
        "re-identified.",
    },
    {
        "name": "changes",
        "description": "The change feed: every create, update and delete, in an order a "
        "syncing system can follow and resume without missing or repeating a change.",
    },
    {
        "name": "webhooks",
        "description": "Changes pushed to a client's endpoint as signed events (Standard "
        "Webhooks), with a delivery log, test events and redelivery. The event itself is "
        "described under the document's `webhooks`.",
    },
    {
        "name": "exports",
        "description": "Whole collections in one streamed download, with the filters of their "
        "lists: CSV for spreadsheets, NDJSON for scripts, and for infrastructure projects "
        "GeoJSON for GIS tools and OC4IDS for infrastructure transparency portals.",
    },
    {
        "name": "audit",
        "description": "The audit trail: who created, changed or deleted what, and who was "
        "shown a participant's personal data. Needs the `audit:read` scope.",
    },
    {
        "name": "oauth",
        "description": "OAuth2 client credentials: exchange a client id and API key for a "
        "short-lived access token.",
    },
    {
        "name": "clients",
        "description": "Partner clients, their scopes, areas and keys. Needs the `admin` scope.",
    },
    {"name": "health", "description": "Probes for orchestrators."},
]


def parameters_without_null(document: dict[str, Any]) -> None:
    """A query parameter or header is sent or left out; it has no null. The framework declares
    an optional one `anyOf: [T, null]`, which generated clients pass on as `None` and fuzzers
    send as the text `null`: the null branch goes."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
                if len(branches) == len(schema.get("anyOf", [])):
                    continue
                del schema["anyOf"]
                if len(branches) == 1:
                    parameter["schema"] = {**branches[0], **schema}
                else:
                    schema["anyOf"] = branches


def install_document_completion(app: FastAPI) -> None:
    """Completes the generated document (call after every other step that adds responses):
    the credentials each operation takes, parameters without null, response descriptions and
    problem examples, then links between operations."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document_security(document, app.routes)
            parameters_without_null(document)
            document_responses(document)
            document_links(document)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
