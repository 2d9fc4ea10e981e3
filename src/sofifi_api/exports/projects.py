"""Infrastructure projects for GIS tools (GeoJSON) and for infrastructure transparency
portals (OC4IDS, the Open Contracting for Infrastructure Data Standard)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from sofifi_api.db import utcnow
from sofifi_api.exports.formats import dumps
from sofifi_api.exports.service import ItemWriter
from sofifi_api.infrastructure_projects.models import ProjectType
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.representations.collection import Collection
from sofifi_api.representations.fields import rfc3339

OC4IDS_VERSION = "0.9"
PUBLISHER = "Sofifi API"

# projectSector codelist: the sectors each kind of work belongs to (parent code first).
SECTORS: dict[str, list[str]] = {
    ProjectType.road: ["transport", "transport.road"],
    ProjectType.bridge: ["transport", "transport.road"],
    ProjectType.water_supply: ["waterAndWaste"],
    ProjectType.sanitation: ["waterAndWaste"],
    ProjectType.school: ["education"],
    ProjectType.health_facility: ["health"],
    ProjectType.market: ["economy"],
    ProjectType.other: [],
}

OC4IDS_MAPPING = """
**OC4IDS** (`format=oc4ids`, `application/json`): a project package
`{"version": "0.9", "uri", "publisher", "license", "projects": [...], "publishedDate"}`
(`publishedDate`: the latest `updated_at` of the projects; `license` is null, as the service
does not know the data's licence). Each project maps as follows:
`id` ← `id`; `updated` ← `updated_at`; `title`, `description`; `status` ← `status` (the
service's statuses are OC4IDS projectStatus codes); `sector` ← `project_type` (road and bridge:
`transport`, `transport.road`; water supply and sanitation: `waterAndWaste`; school:
`education`; health facility: `health`; market: `economy`; other: none); `period` ←
`start_date`, `end_date`; `completion.endDate` ← `completed_on`; `budget.amount` ←
`budget_idr` in IDR; `budget.budgetBreakdown` ← `funding_sources` (amount in IDR, `sourceParty`
when the source is a registered organization); `locations` ← `location` (GeoJSON geometry,
WGS84) and `area_codes` (as a gazetteer, scheme `KEMENDAGRI`); `parties` ← the implementing
organization (role `publicAuthority` for a government body, which is also `publicAuthority`,
else `supplier`) and funding organizations (role `funder`). `type` (construction,
rehabilitation, replacement) is left out: the service does not record it. Deleted projects
have no place in OC4IDS: `include_deleted=true` is refused (422).
"""


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """The item with stored JSON parsed, for formats that nest it."""
    return {
        name: msgspec.json.decode(value) if isinstance(value, msgspec.Raw) else value
        for name, value in item.items()
    }


class GeoJsonWriter(ItemWriter):
    """An RFC 7946 FeatureCollection: each project a Feature whose geometry is its `location`
    (WGS84, longitude first; null when unknown) and whose properties are its other fields."""

    head = b'{"type":"FeatureCollection","features":[\n'

    def __init__(self, collection: Collection, dialect: str) -> None:
        super().__init__(collection, dialect)
        self.separator = ""

    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes:
        features = []
        for item in self.items(rows):
            properties = _plain(item)
            geometry = properties.pop("location")
            feature = {
                "type": "Feature",
                "id": properties["id"],
                "geometry": geometry,
                "properties": properties,
            }
            features.append(dumps(feature))
        if not features:
            return b""
        text = self.separator + ",\n".join(features)
        self.separator = ",\n"
        return text.encode()

    def tail(self) -> bytes:
        return b"\n]}\n"


def _timestamp_of(day: str | None) -> str | None:
    return f"{day}T00:00:00Z" if day else None


def _idr(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "IDR"}


def oc4ids_project(
    item: dict[str, Any], organizations: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    """One project in the OC4IDS project schema; `organizations` gives the name and kind of
    the organizations it names, by id."""
    project: dict[str, Any] = {
        "id": item["id"],
        "updated": item["updated_at"],
        "title": item["title"],
    }
    if item["description"]:
        project["description"] = item["description"]
    project["status"] = item["status"]
    sectors = SECTORS.get(item["project_type"], [])
    if sectors:
        project["sector"] = sectors
    period = {
        name: _timestamp_of(item[source])
        for name, source in (("startDate", "start_date"), ("endDate", "end_date"))
        if item[source]
    }
    if period:
        project["period"] = period

    parties: dict[str, dict[str, Any]] = {}

    def party(organization_id: str, role: str) -> dict[str, str]:
        name = organizations.get(organization_id, ("", ""))[0]
        entry = parties.setdefault(organization_id, {"id": organization_id, "name": name})
        entry.setdefault("roles", [])
        if role not in entry["roles"]:
            entry["roles"].append(role)
        return {"id": organization_id, "name": name}

    budget: dict[str, Any] = {}
    if item["budget_idr"] is not None:
        budget["amount"] = _idr(item["budget_idr"])
    breakdown = []
    for index, source in enumerate(item["funding_sources"] or [], start=1):
        entry: dict[str, Any] = {
            "id": str(index),
            "description": source["name"],
            "amount": _idr(source["amount_idr"]),
        }
        if source.get("organization_id"):
            entry["sourceParty"] = party(source["organization_id"], "funder")
        breakdown.append(entry)
    if breakdown:
        budget["budgetBreakdown"] = breakdown
    if budget:
        project["budget"] = budget

    location: dict[str, Any] = {"id": "1"}
    if item["location"] is not None:
        location["geometry"] = item["location"]
    if item["area_codes"]:
        location["gazetteer"] = {"scheme": "KEMENDAGRI", "identifiers": item["area_codes"]}
    if len(location) > 1:
        project["locations"] = [location]

    implementer = item["implementing_organization_id"]
    if implementer is not None:
        kind = organizations.get(implementer, ("", ""))[1]
        if kind == OrganizationKind.government:
            project["publicAuthority"] = party(implementer, "publicAuthority")
        else:
            party(implementer, "supplier")
    if parties:
        project["parties"] = list(parties.values())
    if item["completed_on"]:
        project["completion"] = {"endDate": _timestamp_of(item["completed_on"])}
    return project


async def _organizations(connection: AsyncConnection, ids: set[str]) -> dict[str, tuple[str, str]]:
    """Name and kind of these organizations, deleted ones too; one query."""
    if not ids:
        return {}
    found = await connection.execute(
        select(Organization.id, Organization.name, Organization.kind).where(
            col(Organization.id).in_([uuid.UUID(organization_id) for organization_id in ids])
        )
    )
    return {str(row[0]): (row[1], row[2]) for row in found.all()}


class Oc4idsWriter(ItemWriter):
    """An OC4IDS project package, its projects written as they are read; the organizations a
    chunk names are looked up with one query per chunk."""

    reads_database = True

    def __init__(self, collection: Collection, dialect: str, uri: str) -> None:
        super().__init__(collection, dialect)
        package = {
            "version": OC4IDS_VERSION,
            "uri": uri,
            "publisher": {"name": PUBLISHER},
            "license": None,
        }
        self.head = (dumps(package)[:-1] + ',"projects":[\n').encode()
        self.separator = ""
        self.latest: datetime | None = None

    async def chunk(self, connection: AsyncConnection, rows: Sequence[Row[Any]]) -> bytes:
        items = [_plain(item) for item in self.items(rows)]
        named = {item["implementing_organization_id"] for item in items} | {
            source.get("organization_id")
            for item in items
            for source in item["funding_sources"] or []
        }
        organizations = await _organizations(connection, {name for name in named if name})
        projects = []
        for item in items:
            updated = datetime.fromisoformat(item["updated_at"])
            self.latest = updated if self.latest is None else max(self.latest, updated)
            projects.append(dumps(oc4ids_project(item, organizations)))
        if not projects:
            return b""
        text = self.separator + ",\n".join(projects)
        self.separator = ",\n"
        return text.encode()

    def tail(self) -> bytes:
        # When generated on demand, the time of the last change to what the package holds.
        published = rfc3339(self.latest or utcnow())
        return f'\n],"publishedDate":"{published}"}}\n'.encode()
