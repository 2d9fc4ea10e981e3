"""Texts of the OpenAPI document that do not belong to a single route."""

API_DESCRIPTION = """
The REST/JSON service behind partner integrations of community assistance
(*pendampingan masyarakat*) in Sofifi, North Maluku: programs, participants, infrastructure
projects built with the community, and the feedback people give about them.

**Conventions**
- JSON in and out, snake_case, UTF-8. Unknown fields in a request body are refused (422).
- Ids are opaque strings. Timestamps are RFC 3339 in UTC; dates are `YYYY-MM-DD`;
  money is whole rupiah in fields ending `_idr`.
- Lists return `{"data": [...], "next_cursor": ...}` and a `Link: <...>; rel="next"` header.
  Pass `next_cursor` back as `cursor`; `limit` is 1 to 500 (default 50). Every list filters by
  `updated_since`; `include_deleted=true` also lists tombstones of deleted resources.
- `DELETE` answers 204 and keeps a tombstone; the resource then answers 404.
- Every error is `application/problem+json` (RFC 9457) with `request_id`; validation errors
  list each invalid field in `errors`. Every response carries a `Request-Id` header.
- Request bodies are limited to 1 MiB (413) and must be JSON (415).
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
    {"name": "feedback", "description": "Ratings and comments about a program or a project."},
    {"name": "health", "description": "Probes for orchestrators."},
]
