from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from sofifi_api.db import utcnow
from sofifi_api.feedback.models import Feedback
from sofifi_api.infrastructure_projects.models import (
    InfrastructureProject,
    ProjectArea,
    ProjectStatus,
    ProjectType,
)
from sofifi_api.organizations.models import Organization, OrganizationKind
from sofifi_api.participants.models import Participant, ParticipantKind
from sofifi_api.programs.models import Program, ProgramArea, ProgramCategory, ProgramStatus
from tests.conftest import QueryCounter
from tests.factories import OBA_UTARA, SOFIFI

pytestmark = pytest.mark.usefixtures("reference_areas")

GURAPING = {
    "code": "82.72.02-guraping",
    "name": "Dusun Guraping",
    "level": "village",
    "parent_code": OBA_UTARA,
    "is_official": False,
}


async def create_area(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/areas", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_village(client: httpx.AsyncClient, code: str, name: str) -> dict[str, Any]:
    return await create_area(client, code=code, name=name, level="village", parent_code=OBA_UTARA)


def field_of(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    field: str = response.json()["errors"][0]["field"]
    return field


async def test_create_returns_201_with_location_and_representation(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas",
        json={
            "code": "82.72.02.1001",
            "name": "Guraping",
            "level": "village",
            "parent_code": OBA_UTARA,
            "bps_code": "8272050001",
            "latitude": 0.7,
            "longitude": 127.56,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "82.72.02.1001"
    assert body["parent_code"] == OBA_UTARA
    assert body["is_official"] is True
    assert body["bps_code"] == "8272050001"
    assert body["deleted_at"] is None
    assert "id" not in body
    assert response.headers["Location"].endswith("/v1/areas/82.72.02.1001")


async def test_reference_area_can_be_fetched_by_code(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/areas/{SOFIFI}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Sofifi"
    assert body["level"] == "village"
    assert body["parent_code"] == OBA_UTARA
    assert (body["latitude"], body["longitude"]) == (0.72444, 127.58056)


async def test_location_header_leads_to_the_created_area(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/areas", json=GURAPING)

    fetched = await client.get(response.headers["Location"])

    assert fetched.status_code == 200
    assert fetched.json() == response.json()


async def test_unknown_code_answers_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/areas/82.72.02.9999")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_level_lists_allowed_values(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/areas", json={"code": "82.72.03", "name": "Oba", "level": "kecamatan"}
    )

    assert field_of(response) == "level"
    assert (
        "'province', 'regency', 'district' or 'village'" in response.json()["errors"][0]["message"]
    )


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/areas", json=GURAPING | {"nmae": "typo"})

    assert field_of(response) == "nmae"


async def test_bps_code_must_be_digits(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/areas", json=GURAPING | {"bps_code": "82-72"})

    assert field_of(response) == "bps_code"


async def test_province_with_parent_is_422_naming_parent_code(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/areas",
        json={"code": "81", "name": "Maluku", "level": "province", "parent_code": "82"},
    )

    assert field_of(response) == "parent_code"


async def test_province_is_created_without_parent(client: httpx.AsyncClient) -> None:
    created = await create_area(client, code="81", name="Maluku", level="province")

    assert created["parent_code"] is None


async def test_village_without_parent_is_422_naming_parent_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas", json={"code": "82.72.02.1001", "name": "Guraping", "level": "village"}
    )

    assert field_of(response) == "parent_code"


async def test_parent_of_wrong_level_is_422_naming_parent_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas",
        json={"code": "82.72.1001", "name": "Guraping", "level": "village", "parent_code": "82.72"},
    )

    assert field_of(response) == "parent_code"
    assert response.json()["errors"][0]["code"] == "parent_level"


async def test_unknown_parent_is_422_naming_parent_code(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/areas",
        json={
            "code": "82.72.03.1001",
            "name": "Kaiyasa",
            "level": "village",
            "parent_code": "82.72.03",
        },
    )

    assert field_of(response) == "parent_code"


async def test_deleted_parent_is_422_naming_parent_code(client: httpx.AsyncClient) -> None:
    await create_area(client, code="82.72.03", name="Oba", level="district", parent_code="82.72")
    assert (await client.delete("/v1/areas/82.72.03")).status_code == 204

    response = await client.post(
        "/v1/areas",
        json={
            "code": "82.72.03.1001",
            "name": "Kaiyasa",
            "level": "village",
            "parent_code": "82.72.03",
        },
    )

    assert field_of(response) == "parent_code"


@pytest.mark.parametrize(
    "code",
    [
        "82.72.02.101",
        "82.72.02.10010",
        "82.72.02.10a1",
        "82.72.02.1001.",
        "82.72.02.\u0661\u0660\u0660\u0661",
    ],
)
async def test_official_village_code_in_wrong_format_is_422_naming_code(
    client: httpx.AsyncClient, code: str
) -> None:
    response = await client.post(
        "/v1/areas",
        json={"code": code, "name": "Guraping", "level": "village", "parent_code": OBA_UTARA},
    )

    assert field_of(response) == "code"
    assert code not in response.text


async def test_official_regency_code_in_wrong_format_is_422_naming_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas",
        json={"code": "82.7", "name": "Halmahera Barat", "level": "regency", "parent_code": "82"},
    )

    assert field_of(response) == "code"


async def test_official_code_not_under_parent_code_is_422_naming_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas",
        json={
            "code": "82.71.02.1001",
            "name": "Guraping",
            "level": "village",
            "parent_code": OBA_UTARA,
        },
    )

    assert field_of(response) == "code"
    assert response.json()["errors"][0]["code"] == "code_prefix"


async def test_area_without_official_code_uses_parent_code_and_slug(
    client: httpx.AsyncClient,
) -> None:
    created = await create_area(client, **GURAPING)

    assert created["code"] == "82.72.02-guraping"
    assert created["is_official"] is False


@pytest.mark.parametrize(
    "code",
    [
        "82.72.02.1099",
        "82.72.02-Guraping",
        "82.72.02-",
        "82.72.02-guraping-",
        "82.72.02-gura--ping",
        "82.72.02-gura ping",
        "82.72.01-guraping",
        "82.72-guraping",
    ],
)
async def test_code_that_is_not_official_must_be_parent_code_hyphen_slug(
    client: httpx.AsyncClient, code: str
) -> None:
    response = await client.post("/v1/areas", json=GURAPING | {"code": code})

    assert field_of(response) == "code"


async def test_province_without_official_code_is_422_naming_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/areas",
        json={
            "code": "82-baru",
            "name": "Provinsi Baru",
            "level": "province",
            "is_official": False,
        },
    )

    assert field_of(response) == "code"


async def test_latitude_without_longitude_is_422_naming_longitude(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/areas", json=GURAPING | {"latitude": 0.7})

    assert field_of(response) == "longitude"


async def test_duplicate_code_is_409(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/areas",
        json={"code": SOFIFI, "name": "Sofifi", "level": "village", "parent_code": OBA_UTARA},
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_code_of_deleted_area_is_not_reused(client: httpx.AsyncClient) -> None:
    await create_area(client, **GURAPING)
    assert (await client.delete(f"/v1/areas/{GURAPING['code']}")).status_code == 204

    response = await client.post("/v1/areas", json=GURAPING)

    assert response.status_code == 409
    assert "deleted" in response.json()["detail"]


async def test_patch_changes_only_sent_fields(client: httpx.AsyncClient) -> None:
    before = (await client.get(f"/v1/areas/{SOFIFI}")).json()

    response = await client.patch(
        f"/v1/areas/{SOFIFI}", json={"name": "Kelurahan Sofifi", "bps_code": "8272050006"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Kelurahan Sofifi"
    assert body["bps_code"] == "8272050006"
    assert body["latitude"] == before["latitude"]
    assert body["parent_code"] == OBA_UTARA
    assert body["updated_at"] > before["updated_at"]


async def test_patch_cannot_change_code(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"code": "82.72.02.1004"})

    assert field_of(response) == "code"


async def test_patch_cannot_null_name(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"name": None})

    assert field_of(response) == "name"


async def test_patch_clearing_one_coordinate_is_422(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"latitude": None})

    assert field_of(response) == "latitude"


async def test_patch_clears_both_coordinates(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"latitude": None, "longitude": None})

    assert response.status_code == 200
    assert (response.json()["latitude"], response.json()["longitude"]) == (None, None)


async def test_patch_to_parent_of_wrong_level_is_422(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"parent_code": "82.72"})

    assert field_of(response) == "parent_code"


async def test_patch_to_parent_the_code_does_not_start_with_is_422(
    client: httpx.AsyncClient,
) -> None:
    await create_area(client, code="82.72.03", name="Oba", level="district", parent_code="82.72")

    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"parent_code": "82.72.03"})

    assert field_of(response) == "code"


async def test_patch_level_that_does_not_fit_the_code_is_422(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/v1/areas/{OBA_UTARA}", json={"level": "village"})

    assert field_of(response) == "parent_code"


async def test_patch_making_an_official_code_unofficial_is_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"is_official": False})

    assert field_of(response) == "code"


async def _ambiguous_local_areas(client: httpx.AsyncClient) -> None:
    """A local district and a second one whose code could also be a village inside the first."""
    base = {"level": "district", "parent_code": "82.72", "is_official": False}
    await create_area(client, code="82.72-baru", name="Baru", **base)
    await create_area(client, code="82.72-baru-desa", name="Baru Desa", **base)


async def test_patch_moves_local_area_to_a_consistent_parent(client: httpx.AsyncClient) -> None:
    await _ambiguous_local_areas(client)

    response = await client.patch(
        "/v1/areas/82.72-baru-desa", json={"level": "village", "parent_code": "82.72-baru"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["parent_code"] == "82.72-baru"


async def test_patch_changing_level_of_area_with_children_is_409(
    client: httpx.AsyncClient,
) -> None:
    await _ambiguous_local_areas(client)
    await create_area(
        client,
        code="82.72-baru-desa-satu",
        name="Satu",
        level="village",
        parent_code="82.72-baru-desa",
        is_official=False,
    )

    response = await client.patch(
        "/v1/areas/82.72-baru-desa", json={"level": "village", "parent_code": "82.72-baru"}
    )

    assert response.status_code == 409


async def test_delete_answers_204_then_404(client: httpx.AsyncClient) -> None:
    deleted = await client.delete(f"/v1/areas/{SOFIFI}")
    fetched = await client.get(f"/v1/areas/{SOFIFI}")

    assert deleted.status_code == 204
    assert fetched.status_code == 404


async def test_deleted_area_is_listed_as_tombstone_on_request(client: httpx.AsyncClient) -> None:
    await client.delete(f"/v1/areas/{SOFIFI}")

    default = (await client.get("/v1/areas")).json()["data"]
    with_deleted = (await client.get("/v1/areas?include_deleted=true")).json()["data"]

    assert SOFIFI not in [a["code"] for a in default]
    tombstone = next(a for a in with_deleted if a["code"] == SOFIFI)
    assert tombstone["deleted_at"] is not None
    assert tombstone["updated_at"] == tombstone["deleted_at"]


async def test_delete_of_area_with_child_is_409(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"/v1/areas/{OBA_UTARA}")

    assert response.status_code == 409
    assert "child areas" in response.json()["detail"]
    assert (await client.get(f"/v1/areas/{OBA_UTARA}")).status_code == 200


async def test_delete_of_area_whose_children_are_deleted_is_allowed(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.delete(f"/v1/areas/{SOFIFI}")).status_code == 204

    response = await client.delete(f"/v1/areas/{OBA_UTARA}")

    assert response.status_code == 204


async def _organization(session: AsyncSession, *, area_code: str | None = None) -> Organization:
    organization = Organization(
        name="Yayasan Bambu Lestari", kind=OrganizationKind.ngo, area_code=area_code
    )
    session.add(organization)
    await session.flush()
    return organization


async def _name_sofifi_by(session: AsyncSession, referrer: str) -> None:
    """Store a live row of the given kind that names Sofifi."""
    if referrer == "organization":
        await _organization(session, area_code=SOFIFI)
    elif referrer == "participant":
        session.add(
            Participant(kind=ParticipantKind.group, name="Kelompok Anyaman", area_code=SOFIFI)
        )
    elif referrer == "program":
        lead = await _organization(session)
        program = Program(
            title="Pelatihan anyaman bambu",
            category=ProgramCategory.education_skills,
            status=ProgramStatus.active,
            lead_organization_id=lead.id,
        )
        session.add(program)
        await session.flush()
        session.add(ProgramArea(program_id=program.id, area_code=SOFIFI))
    elif referrer == "infrastructure project":
        project = InfrastructureProject(
            title="Jalan usaha tani Sofifi",
            project_type=ProjectType.road,
            status=ProjectStatus.preparation,
        )
        session.add(project)
        await session.flush()
        session.add(ProjectArea(project_id=project.id, area_code=SOFIFI))
    elif referrer == "feedback":
        lead = await _organization(session)
        program = Program(
            title="Pelatihan anyaman bambu",
            category=ProgramCategory.education_skills,
            status=ProgramStatus.active,
            lead_organization_id=lead.id,
        )
        session.add(program)
        await session.flush()
        session.add(
            Feedback(program_id=program.id, rating=4, submitted_at=utcnow(), area_code=SOFIFI)
        )
    await session.flush()


@pytest.mark.parametrize(
    "referrer", ["organization", "participant", "program", "infrastructure project", "feedback"]
)
async def test_delete_of_area_named_by_a_live_row_is_409(
    client: httpx.AsyncClient, session: AsyncSession, referrer: str
) -> None:
    await _name_sofifi_by(session, referrer)

    response = await client.delete(f"/v1/areas/{SOFIFI}")

    assert response.status_code == 409, response.text
    assert referrer in response.json()["detail"]


async def test_delete_of_area_named_only_by_deleted_rows_is_allowed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    organization = await _organization(session, area_code=SOFIFI)
    organization.deleted_at = utcnow()
    await session.flush()

    response = await client.delete(f"/v1/areas/{SOFIFI}")

    assert response.status_code == 204


async def test_list_is_in_code_order(client: httpx.AsyncClient) -> None:
    data = (await client.get("/v1/areas")).json()["data"]

    assert [a["code"] for a in data] == ["82", "82.72", OBA_UTARA, SOFIFI]


async def test_list_pages_follow_code_order_with_cursor(client: httpx.AsyncClient) -> None:
    for number in ("1005", "1001", "1004", "1002"):
        await create_village(client, f"82.72.02.{number}", f"Desa {number}")
    codes: list[str] = []
    cursor = None

    while True:
        params: dict[str, Any] = {"limit": 2, "level": "village"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/areas", params=params)).json()
        codes += [a["code"] for a in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert codes == [f"82.72.02.{n}" for n in ("1001", "1002", "1003", "1004", "1005")]


async def test_list_announces_next_page_in_link_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/areas", params={"limit": 1})

    assert 'rel="next"' in response.headers["Link"]


async def test_list_filters_by_level(client: httpx.AsyncClient) -> None:
    data = (await client.get("/v1/areas?level=district")).json()["data"]

    assert [a["code"] for a in data] == [OBA_UTARA]


async def test_list_filters_by_parent_code(client: httpx.AsyncClient) -> None:
    await create_area(client, code="82.72.03", name="Oba", level="district", parent_code="82.72")

    data = (await client.get("/v1/areas", params={"parent_code": "82.72"})).json()["data"]

    assert [a["code"] for a in data] == [OBA_UTARA, "82.72.03"]


async def test_list_filters_by_is_official(client: httpx.AsyncClient) -> None:
    await create_area(client, **GURAPING)

    local = (await client.get("/v1/areas?is_official=false")).json()["data"]
    official = (await client.get("/v1/areas?is_official=true")).json()["data"]

    assert [a["code"] for a in local] == [GURAPING["code"]]
    assert GURAPING["code"] not in [a["code"] for a in official]
    assert len(official) == 4


async def test_list_filters_by_name_ignoring_case(client: httpx.AsyncClient) -> None:
    data = (await client.get("/v1/areas", params={"q": "TIDORE"})).json()["data"]

    assert [a["code"] for a in data] == ["82.72"]


async def test_list_name_filter_treats_wildcards_literally(client: httpx.AsyncClient) -> None:
    data = (await client.get("/v1/areas", params={"q": "%"})).json()["data"]

    assert data == []


async def test_list_filters_by_updated_since(client: httpx.AsyncClient) -> None:
    changed = await client.patch(f"/v1/areas/{OBA_UTARA}", json={"bps_code": "8272050"})
    since = changed.json()["updated_at"]

    data = (await client.get("/v1/areas", params={"updated_since": since})).json()["data"]

    assert [a["code"] for a in data] == [OBA_UTARA]


async def test_list_with_foreign_cursor_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/areas", params={"cursor": "bm90LW91cnM.abc"})

    assert response.status_code == 400


async def test_list_issues_same_number_of_queries_for_any_page_size(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    for number in ("1001", "1002", "1004"):
        await create_village(client, f"82.72.02.{number}", f"Desa {number}")

    count_queries.count = 0
    small = await client.get("/v1/areas", params={"limit": 2})
    small_count = count_queries.count
    count_queries.count = 0
    large = await client.get("/v1/areas", params={"limit": 50})

    assert small.status_code == large.status_code == 200
    assert len(large.json()["data"]) == 7
    assert count_queries.count == small_count
