import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.enrollments.models import Enrollment
from sofifi_api.feedback.models import Feedback
from tests.conftest import QueryCounter
from tests.factories import (
    OBA_UTARA,
    SOFIFI,
    create_enrollment,
    create_feedback,
    create_organization,
    create_person,
    create_program,
)

Json = dict[str, Any]


def _body(lead: Json, **fields: Any) -> Json:
    body: Json = {
        "title": "Pelatihan anyaman bambu untuk kelompok perempuan",
        "category": "education_skills",
        "status": "active",
        "lead_organization_id": lead["id"],
    }
    return body | fields


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient, lead: Json
) -> None:
    response = await client.post("/v1/programs", json=_body(lead, budget_idr=350_000_000))

    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"].endswith(f"/v1/programs/{body['id']}")
    assert body["title"] == "Pelatihan anyaman bambu untuk kelompok perempuan"
    assert body["lead_organization_id"] == lead["id"]
    assert body["budget_idr"] == 350_000_000
    assert body["partners"] == []
    assert body["area_codes"] == []
    assert body["enrolled_count"] == 0
    assert body["completed_count"] == 0
    assert body["deleted_at"] is None


async def test_created_program_with_partners_and_areas_can_be_fetched(
    client: httpx.AsyncClient, lead: Json, funder: Json, areas: None
) -> None:
    created = await create_program(
        client,
        lead["id"],
        partners=[{"organization_id": funder["id"], "role": "funder"}],
        area_codes=[SOFIFI, OBA_UTARA],
        start_date="2026-02-01",
        end_date="2026-07-31",
        target_participants=60,
    )

    response = await client.get(f"/v1/programs/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert created["partners"] == [{"organization_id": funder["id"], "role": "funder"}]
    assert created["area_codes"] == sorted([SOFIFI, OBA_UTARA])


async def test_same_organization_may_partner_in_two_roles(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    partners = [
        {"organization_id": funder["id"], "role": "funder"},
        {"organization_id": funder["id"], "role": "facilitator"},
    ]

    response = await client.post("/v1/programs", json=_body(lead, partners=partners))

    assert response.status_code == 201
    assert {p["role"] for p in response.json()["partners"]} == {"funder", "facilitator"}


async def test_same_organization_twice_in_same_role_is_422(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    partner = {"organization_id": funder["id"], "role": "funder"}

    response = await client.post("/v1/programs", json=_body(lead, partners=[partner, partner]))

    assert _fields(response) == ["partners.1"]


async def test_unknown_partner_role_lists_allowed_values(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    partner = {"organization_id": funder["id"], "role": "donor"}

    response = await client.post("/v1/programs", json=_body(lead, partners=[partner]))

    error = response.json()["errors"][0]
    assert _fields(response) == ["partners.0.role"]
    assert "'funder', 'implementer', 'facilitator' or 'government_sponsor'" in error["message"]


async def test_unknown_category_lists_allowed_values(client: httpx.AsyncClient, lead: Json) -> None:
    response = await client.post("/v1/programs", json=_body(lead, category="sports"))

    assert _fields(response) == ["category"]
    assert "'economic'" in response.json()["errors"][0]["message"]


async def test_unknown_field_is_rejected(client: httpx.AsyncClient, lead: Json) -> None:
    response = await client.post("/v1/programs", json=_body(lead, budget=1))

    assert _fields(response) == ["budget"]


async def test_missing_title_is_422(client: httpx.AsyncClient, lead: Json) -> None:
    body = _body(lead)
    del body["title"]

    response = await client.post("/v1/programs", json=body)

    assert _fields(response) == ["title"]


async def test_end_date_before_start_date_is_422(client: httpx.AsyncClient, lead: Json) -> None:
    response = await client.post(
        "/v1/programs", json=_body(lead, start_date="2026-07-01", end_date="2026-06-30")
    )

    assert _fields(response) == ["end_date"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("budget_idr", -1),
        ("budget_idr", 10**19),
        ("target_participants", -5),
        ("target_participants", 2**31),
    ],
)
async def test_out_of_range_number_is_422(
    client: httpx.AsyncClient, lead: Json, field: str, value: int
) -> None:
    response = await client.post("/v1/programs", json=_body(lead, **{field: value}))

    assert _fields(response) == [field]


async def test_overlong_title_is_422(client: httpx.AsyncClient, lead: Json) -> None:
    response = await client.post("/v1/programs", json=_body(lead, title="x" * 201))

    assert _fields(response) == ["title"]


async def test_unknown_lead_organization_is_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/programs", json=_body({"id": str(uuid.uuid4())}))

    assert _fields(response) == ["lead_organization_id"]


async def test_deleted_lead_organization_is_422(client: httpx.AsyncClient) -> None:
    gone = await create_organization(client, name="Yayasan Tutup")
    assert (await client.delete(f"/v1/organizations/{gone['id']}")).status_code == 204

    response = await client.post("/v1/programs", json=_body(gone))

    assert _fields(response) == ["lead_organization_id"]


async def test_unknown_partner_organization_is_422_naming_its_index(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    partners = [
        {"organization_id": funder["id"], "role": "funder"},
        {"organization_id": str(uuid.uuid4()), "role": "implementer"},
    ]

    response = await client.post("/v1/programs", json=_body(lead, partners=partners))

    assert _fields(response) == ["partners.1.organization_id"]


async def test_unknown_area_is_422_naming_its_place_not_its_value(
    client: httpx.AsyncClient, lead: Json, areas: None
) -> None:
    response = await client.post("/v1/programs", json=_body(lead, area_codes=[SOFIFI, "99.99"]))

    assert _fields(response) == ["area_codes.1"]
    assert "99.99" not in response.text


async def test_same_area_twice_is_422(client: httpx.AsyncClient, lead: Json, areas: None) -> None:
    response = await client.post("/v1/programs", json=_body(lead, area_codes=[SOFIFI, SOFIFI]))

    assert _fields(response) == ["area_codes.1"]


async def test_refused_create_stores_nothing(client: httpx.AsyncClient, lead: Json) -> None:
    await client.post("/v1/programs", json=_body({"id": str(uuid.uuid4())}))

    assert _ids(await client.get("/v1/programs")) == []


async def test_unknown_id_answers_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/programs/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_id_answers_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/programs/not-an-id")

    assert response.status_code == 404


async def test_patch_changes_only_sent_fields(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    created = await create_program(
        client, lead["id"], partners=[{"organization_id": funder["id"], "role": "funder"}]
    )

    response = await client.patch(
        f"/v1/programs/{created['id']}", json={"status": "completed", "budget_idr": 1_000}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "completed"
    assert body["budget_idr"] == 1_000
    assert body["title"] == created["title"]
    assert body["partners"] == created["partners"]
    assert body["updated_at"] > created["updated_at"]


async def test_patch_partners_replaces_the_whole_list(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    other = await create_organization(client, name="PT Halmahera Craft", kind="private")
    created = await create_program(
        client, lead["id"], partners=[{"organization_id": funder["id"], "role": "funder"}]
    )
    replacement = [{"organization_id": other["id"], "role": "implementer"}]

    response = await client.patch(f"/v1/programs/{created['id']}", json={"partners": replacement})
    fetched = await client.get(f"/v1/programs/{created['id']}")

    assert response.json()["partners"] == replacement
    assert fetched.json()["partners"] == replacement


async def test_patch_with_unchanged_partners_keeps_them(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    partners = [{"organization_id": funder["id"], "role": "funder"}]
    created = await create_program(client, lead["id"], partners=partners)

    response = await client.patch(f"/v1/programs/{created['id']}", json={"partners": partners})
    fetched = await client.get(f"/v1/programs/{created['id']}")

    assert response.status_code == 200
    assert fetched.json()["partners"] == partners


async def test_patch_empty_area_codes_removes_all_areas(
    client: httpx.AsyncClient, lead: Json, areas: None
) -> None:
    created = await create_program(client, lead["id"], area_codes=[SOFIFI])

    response = await client.patch(f"/v1/programs/{created['id']}", json={"area_codes": []})

    assert response.json()["area_codes"] == []
    assert (await client.get(f"/v1/programs/{created['id']}")).json()["area_codes"] == []


@pytest.mark.parametrize("field", ["title", "status", "lead_organization_id", "partners"])
async def test_patch_cannot_null_a_required_field(
    client: httpx.AsyncClient, lead: Json, field: str
) -> None:
    created = await create_program(client, lead["id"])

    response = await client.patch(f"/v1/programs/{created['id']}", json={field: None})

    assert _fields(response) == [field]


async def test_patch_end_date_before_stored_start_date_is_422(
    client: httpx.AsyncClient, lead: Json
) -> None:
    created = await create_program(client, lead["id"], start_date="2026-02-01")

    response = await client.patch(f"/v1/programs/{created['id']}", json={"end_date": "2026-01-31"})

    assert _fields(response) == ["end_date"]


async def test_patch_with_unknown_partner_changes_nothing(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    partners = [{"organization_id": funder["id"], "role": "funder"}]
    created = await create_program(client, lead["id"], partners=partners)

    response = await client.patch(
        f"/v1/programs/{created['id']}",
        json={
            "title": "Baru",
            "partners": [{"organization_id": str(uuid.uuid4()), "role": "funder"}],
        },
    )

    assert _fields(response) == ["partners.0.organization_id"]
    assert (await client.get(f"/v1/programs/{created['id']}")).json() == created


async def test_patch_unknown_lead_organization_is_422(
    client: httpx.AsyncClient, lead: Json
) -> None:
    created = await create_program(client, lead["id"])

    response = await client.patch(
        f"/v1/programs/{created['id']}", json={"lead_organization_id": str(uuid.uuid4())}
    )

    assert _fields(response) == ["lead_organization_id"]


async def test_delete_answers_204_then_404(client: httpx.AsyncClient, lead: Json) -> None:
    created = await create_program(client, lead["id"])

    deleted = await client.delete(f"/v1/programs/{created['id']}")
    fetched = await client.get(f"/v1/programs/{created['id']}")
    patched = await client.patch(f"/v1/programs/{created['id']}", json={"title": "Baru"})
    deleted_again = await client.delete(f"/v1/programs/{created['id']}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404
    assert patched.status_code == 404
    assert deleted_again.status_code == 404


async def test_deleted_program_is_listed_as_tombstone_on_request(
    client: httpx.AsyncClient, lead: Json
) -> None:
    created = await create_program(client, lead["id"])
    await client.delete(f"/v1/programs/{created['id']}")

    default = _ids(await client.get("/v1/programs"))
    with_deleted = (await client.get("/v1/programs?include_deleted=true")).json()["data"]

    assert created["id"] not in default
    tombstone = next(p for p in with_deleted if p["id"] == created["id"])
    assert tombstone["deleted_at"] is not None
    assert tombstone["updated_at"] == tombstone["deleted_at"]


async def test_delete_tombstones_the_programs_enrollments(
    client: httpx.AsyncClient, session: AsyncSession, lead: Json
) -> None:
    created = await create_program(client, lead["id"])
    person = await create_person(client)
    enrollment = await create_enrollment(client, created["id"], person["id"])

    await client.delete(f"/v1/programs/{created['id']}")

    stored = await session.get(Enrollment, uuid.UUID(enrollment["id"]))
    assert stored is not None
    await session.refresh(stored)
    assert stored.deleted_at is not None
    assert stored.updated_at == stored.deleted_at


async def test_delete_keeps_feedback_about_the_program(
    client: httpx.AsyncClient, session: AsyncSession, lead: Json
) -> None:
    created = await create_program(client, lead["id"])
    feedback = await create_feedback(client, created["id"])

    await client.delete(f"/v1/programs/{created['id']}")

    stored = (
        await session.exec(select(Feedback).where(Feedback.id == uuid.UUID(feedback["id"])))
    ).one()
    assert stored.deleted_at is None


async def test_counts_follow_enrollment_statuses(client: httpx.AsyncClient, lead: Json) -> None:
    created = await create_program(client, lead["id"])
    statuses = ["enrolled", "active", "completed", "completed", "dropped"]
    for index, status in enumerate(statuses):
        person = await create_person(client, full_name=f"Peserta {index}")
        await create_enrollment(client, created["id"], person["id"], status=status)
    gone = await create_person(client, full_name="Peserta keluar")
    removed = await create_enrollment(client, created["id"], gone["id"])
    await client.delete(f"/v1/programs/{created['id']}/enrollments/{removed['id']}")

    fetched = (await client.get(f"/v1/programs/{created['id']}")).json()
    listed = (await client.get("/v1/programs")).json()["data"][0]

    assert (fetched["enrolled_count"], fetched["completed_count"]) == (4, 2)
    assert (listed["enrolled_count"], listed["completed_count"]) == (4, 2)


async def test_list_pages_follow_creation_order(client: httpx.AsyncClient, lead: Json) -> None:
    made = [
        (await create_program(client, lead["id"], title=f"Program {i}"))["id"] for i in range(3)
    ]

    first = await client.get("/v1/programs?limit=2")
    cursor = first.json()["next_cursor"]
    second = await client.get("/v1/programs", params={"limit": 2, "cursor": cursor})

    assert _ids(first) == made[:2]
    assert 'rel="next"' in first.headers["Link"]
    assert _ids(second) == made[2:]
    assert second.json()["next_cursor"] is None


async def test_list_filters_by_status_and_category(client: httpx.AsyncClient, lead: Json) -> None:
    match = await create_program(client, lead["id"], status="planned", category="health")
    await create_program(client, lead["id"], status="active", category="health")
    await create_program(client, lead["id"], status="planned", category="economic")

    response = await client.get("/v1/programs?status=planned&category=health")

    assert _ids(response) == [match["id"]]


async def test_list_filters_by_lead_organization(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    led = await create_program(client, lead["id"])
    await create_program(client, funder["id"])

    response = await client.get("/v1/programs", params={"lead_organization_id": lead["id"]})

    assert _ids(response) == [led["id"]]


async def test_list_filters_by_organization_as_lead_or_partner(
    client: httpx.AsyncClient, lead: Json, funder: Json
) -> None:
    other = await create_organization(client, name="PT Halmahera Craft", kind="private")
    led = await create_program(client, funder["id"])
    funded = await create_program(
        client,
        lead["id"],
        partners=[
            {"organization_id": funder["id"], "role": "funder"},
            {"organization_id": funder["id"], "role": "facilitator"},
        ],
    )
    await create_program(
        client, lead["id"], partners=[{"organization_id": other["id"], "role": "funder"}]
    )

    response = await client.get("/v1/programs", params={"organization_id": funder["id"]})

    assert _ids(response) == [led["id"], funded["id"]]


async def test_list_filters_by_target_area(
    client: httpx.AsyncClient, lead: Json, areas: None
) -> None:
    local = await create_program(client, lead["id"], area_codes=[SOFIFI, OBA_UTARA])
    await create_program(client, lead["id"], area_codes=[OBA_UTARA])
    await create_program(client, lead["id"])

    response = await client.get("/v1/programs", params={"area_code": SOFIFI})

    assert _ids(response) == [local["id"]]


async def test_list_filters_by_start_and_end_dates(client: httpx.AsyncClient, lead: Json) -> None:
    early = await create_program(client, lead["id"], start_date="2025-01-01", end_date="2025-06-30")
    late = await create_program(client, lead["id"], start_date="2026-01-01", end_date="2026-12-31")
    await create_program(client, lead["id"])

    starting = await client.get("/v1/programs?starts_on_or_after=2026-01-01")
    ending = await client.get("/v1/programs?ends_on_or_before=2025-06-30")

    assert _ids(starting) == [late["id"]]
    assert _ids(ending) == [early["id"]]


async def test_list_filters_by_active_on_date(client: httpx.AsyncClient, lead: Json) -> None:
    await create_program(client, lead["id"], start_date="2025-01-01", end_date="2025-06-30")
    running = await create_program(
        client, lead["id"], start_date="2026-01-01", end_date="2026-12-31"
    )
    open_ended = await create_program(client, lead["id"], start_date="2026-03-01")
    await create_program(client, lead["id"], start_date="2026-07-01")

    response = await client.get("/v1/programs?active_on=2026-05-15")

    assert _ids(response) == [running["id"], open_ended["id"]]


async def test_list_filters_by_title_text(client: httpx.AsyncClient, lead: Json) -> None:
    bamboo = await create_program(client, lead["id"], title="Pelatihan Anyaman Bambu")
    await create_program(client, lead["id"], title="Pertanian organik")

    response = await client.get("/v1/programs", params={"q": "anyaman"})

    assert _ids(response) == [bamboo["id"]]


async def test_list_filters_by_updated_since(client: httpx.AsyncClient, lead: Json) -> None:
    old = await create_program(client, lead["id"], title="Old")
    recent = await create_program(client, lead["id"], title="Recent")
    changed = await client.patch(f"/v1/programs/{old['id']}", json={"status": "completed"})
    since = changed.json()["updated_at"]

    response = await client.get("/v1/programs", params={"updated_since": since})

    assert _ids(response) == [old["id"]]
    assert recent["id"] not in _ids(response)


async def test_list_with_malformed_organization_filter_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/programs?organization_id=nope")

    assert response.status_code == 422


async def test_list_issues_the_same_number_of_queries_whatever_the_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter, lead: Json, funder: Json, areas: None
) -> None:
    for index in range(4):
        program = await create_program(
            client,
            lead["id"],
            title=f"Program {index}",
            partners=[{"organization_id": funder["id"], "role": "funder"}],
            area_codes=[SOFIFI],
        )
        person = await create_person(client, full_name=f"Peserta {index}")
        await create_enrollment(client, program["id"], person["id"], status="completed")

    count_queries.count = 0
    small = await client.get("/v1/programs?limit=2")
    small_count = count_queries.count
    count_queries.count = 0
    large = await client.get("/v1/programs?limit=50")
    large_count = count_queries.count

    assert len(_ids(small)) == 2
    assert len(_ids(large)) == 4
    assert all(p["completed_count"] == 1 for p in large.json()["data"])
    assert small_count == large_count


async def test_openapi_says_each_partner_and_area_code_is_listed_once(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()

    properties = document["components"]["schemas"]["ProgramCreate"]["properties"]
    assert properties["partners"]["uniqueItems"] is True
    assert properties["area_codes"]["uniqueItems"] is True


@pytest.mark.parametrize("parameter", ["starts_on_or_after", "ends_on_or_before", "active_on"])
@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "1767225600", "2026-1-1"])
async def test_date_filter_takes_yyyy_mm_dd_only(
    client: httpx.AsyncClient, parameter: str, value: str
) -> None:
    response = await client.get("/v1/programs", params={parameter: value})

    assert response.status_code == 422, response.text
    assert [(e["location"], e["field"]) for e in response.json()["errors"]] == [
        ("query", parameter)
    ]
