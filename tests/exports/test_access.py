"""Exports need the scope of their collection's list, show a client bound to areas only what
its list shows it, and never carry a participant's personal data."""

import httpx
import pytest
from tests.conftest import ClientFactory
from tests.exports.conftest import (
    BIRTH_DATES,
    NIKS,
    PHONES,
    Json,
    csv_rows,
    list_items,
    ndjson_items,
)
from tests.factories import OBA_UTARA

SCOPES = {
    "organizations": "organizations:read",
    "areas": "areas:read",
    "programs": "programs:read",
    "participants": "participants:read",
    "infrastructure-projects": "projects:read",
    "feedback": "feedback:read",
    "enrollments": "programs:read",
    "consultations": "projects:read",
    "contributions": "projects:read",
}


@pytest.mark.parametrize("collection", SCOPES)
async def test_an_export_without_a_credential_is_401(
    anonymous_client: httpx.AsyncClient, collection: str
) -> None:
    response = await anonymous_client.get(f"/v1/exports/{collection}")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("collection", "scope"), SCOPES.items())
async def test_an_export_needs_its_lists_read_scope(
    make_client: ClientFactory, collection: str, scope: str
) -> None:
    others = sorted(set(SCOPES.values()) - {scope})
    refused = await make_client(*others, "participants:pii")
    allowed = await make_client(scope)

    denied = await refused.get(f"/v1/exports/{collection}")
    granted = await allowed.get(f"/v1/exports/{collection}")

    assert denied.status_code == 403
    assert scope in denied.json()["detail"]
    assert granted.status_code == 200


@pytest.mark.parametrize(
    "collection", ["programs", "participants", "infrastructure-projects", "feedback"]
)
async def test_a_client_bound_to_areas_exports_what_its_list_shows(
    make_client: ClientFactory,
    client: httpx.AsyncClient,
    world: dict[str, list[Json]],
    collection: str,
) -> None:
    partner = await make_client(SCOPES[collection], area_codes=[OBA_UTARA])
    listed = await list_items(partner, f"/v1/{collection}")
    assert 0 < len(listed) < len(await list_items(client, f"/v1/{collection}"))

    exported = ndjson_items(
        await partner.get(f"/v1/exports/{collection}", params={"format": "ndjson"})
    )

    assert exported == listed


async def test_a_group_exported_to_a_client_bound_to_areas_lists_only_members_there(
    make_client: ClientFactory, world: dict[str, list[Json]]
) -> None:
    partner = await make_client("participants:read", area_codes=[OBA_UTARA])
    group_id = world["groups"][0]["id"]
    inside = [person["id"] for person in world["persons"][:2]]

    exported = ndjson_items(
        await partner.get("/v1/exports/participants", params={"format": "ndjson"})
    )

    (group,) = [item for item in exported if item["id"] == group_id]
    assert group["member_ids"] == sorted(inside)
    assert group["members_count"] == 2


@pytest.mark.parametrize("export_format", ["csv", "ndjson"])
async def test_participants_export_never_carries_personal_data_even_for_pii_clients(
    make_client: ClientFactory, world: dict[str, list[Json]], export_format: str
) -> None:
    partner = await make_client("participants:read", "participants:pii")

    response = await partner.get("/v1/exports/participants", params={"format": export_format})

    assert response.status_code == 200
    for secret in [*NIKS, *PHONES, *BIRTH_DATES]:
        assert secret.encode() not in response.content
    fields = (
        set(csv_rows(response)[0])
        if export_format == "csv"
        else {name for item in ndjson_items(response) for name in item}
    )
    assert fields.isdisjoint({"nik", "phone", "birth_date", "personal_data"})
