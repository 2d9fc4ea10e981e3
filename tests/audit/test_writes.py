"""Every create, update and delete leaves one audit event, in the transaction of the write."""

import json

import httpx

from tests.audit.conftest import ADMIN_NAME, ClientIdOf, EventReader
from tests.conftest import ClientFactory
from tests.factories import (
    SOFIFI,
    create_consultation,
    create_contribution,
    create_enrollment,
    create_group,
    create_organization,
    create_person,
    create_program,
    create_project,
    create_reference_areas,
)


async def test_create_leaves_one_create_event_naming_client_and_request(
    client: httpx.AsyncClient, read_events: EventReader, client_id_of: ClientIdOf
) -> None:
    response = await client.post(
        "/v1/organizations", json={"name": "Yayasan Bambu Lestari", "kind": "ngo"}
    )
    organization_id = response.json()["id"]

    events = await read_events(resource_id=organization_id)

    assert len(events) == 1
    assert events[0]["action"] == "create"
    assert events[0]["resource_type"] == "organization"
    assert events[0]["client_id"] == await client_id_of(ADMIN_NAME)
    assert events[0]["request_id"] == response.headers["Request-Id"]
    assert events[0]["details"] == {}


async def test_event_keeps_the_request_id_the_client_sent(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    response = await client.post(
        "/v1/organizations",
        json={"name": "Yayasan Bambu Lestari", "kind": "ngo"},
        headers={"Request-Id": "survey-app-retry-0001"},
    )

    events = await read_events(resource_id=response.json()["id"])

    assert [event["request_id"] for event in events] == ["survey-app-retry-0001"]


async def test_update_leaves_one_event_listing_changed_field_names_without_values(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client, acronym="Diskop")

    response = await client.patch(
        f"/v1/organizations/{organization['id']}",
        json={"name": "Dinas Koperasi Halmahera", "acronym": "Diskop", "website": None},
    )

    events = await read_events(resource_id=organization["id"], action="update")
    assert len(events) == 1
    assert events[0]["details"] == {"fields": ["name"]}
    assert events[0]["request_id"] == response.headers["Request-Id"]
    assert "Halmahera" not in json.dumps(events)


async def test_soft_delete_leaves_one_delete_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)

    response = await client.delete(f"/v1/organizations/{organization['id']}")

    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_type"], e["resource_id"]) for e in events] == [
        ("delete", "organization", organization["id"])
    ]


async def test_each_write_of_a_resource_leaves_its_own_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)
    await client.patch(f"/v1/organizations/{organization['id']}", json={"acronym": "DK"})
    await client.delete(f"/v1/organizations/{organization['id']}")

    events = await read_events(resource_type="organization", resource_id=organization["id"])

    assert [event["action"] for event in events] == ["create", "update", "delete"]


async def test_event_names_the_partner_client_that_wrote(
    make_client: ClientFactory, read_events: EventReader, client_id_of: ClientIdOf
) -> None:
    partner = await make_client("organizations:write", name="Bappeda Malut sync")

    response = await partner.post(
        "/v1/organizations", json={"name": "Yayasan Bambu Lestari", "kind": "ngo"}
    )

    events = await read_events(resource_id=response.json()["id"])
    assert [event["client_id"] for event in events] == [await client_id_of("Bappeda Malut sync")]


async def test_area_events_are_addressed_by_code(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    await create_reference_areas(client)

    response = await client.patch(f"/v1/areas/{SOFIFI}", json={"name": "Kelurahan Sofifi"})

    assert response.status_code == 200
    events = await read_events(resource_type="area", resource_id=SOFIFI)
    assert [(event["action"], event["details"]) for event in events] == [
        ("create", {}),
        ("update", {"fields": ["name"]}),
    ]


async def test_validation_failure_leaves_no_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    response = await client.post("/v1/organizations", json={"name": "", "kind": "ngo"})

    assert response.status_code == 422
    assert await read_events(request_id=response.headers["Request-Id"]) == []


async def test_failed_update_leaves_no_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)

    response = await client.patch(
        f"/v1/organizations/{organization['id']}", json={"area_code": "99.99.99"}
    )

    assert response.status_code == 422
    assert await read_events(resource_id=organization["id"], action="update") == []


async def test_conflict_leaves_no_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)
    await create_program(client, organization["id"])

    response = await client.delete(f"/v1/organizations/{organization['id']}")

    assert response.status_code == 409
    assert await read_events(request_id=response.headers["Request-Id"]) == []


async def test_duplicate_nik_leaves_no_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    await create_person(client, nik="8272024107860003")

    response = await client.post(
        "/v1/participants",
        json={"kind": "person", "full_name": "Nurhayati Umar", "nik": "8272024107860003"},
    )

    assert response.status_code == 409
    assert await read_events(request_id=response.headers["Request-Id"]) == []


async def test_program_with_partners_and_areas_leaves_one_create_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    await create_reference_areas(client)
    lead = await create_organization(client)
    funder = await create_organization(client, name="Yayasan Bambu Lestari", kind="ngo")

    response = await client.post(
        "/v1/programs",
        json={
            "title": "Pelatihan anyaman bambu",
            "category": "education_skills",
            "status": "active",
            "lead_organization_id": lead["id"],
            "partners": [{"organization_id": funder["id"], "role": "funder"}],
            "area_codes": [SOFIFI],
        },
    )

    assert response.status_code == 201, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_type"]) for e in events] == [("create", "program")]


async def test_replacing_program_partners_is_one_update_of_the_program(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    program = await create_program(client)
    funder = await create_organization(client, name="Yayasan Bambu Lestari", kind="ngo")

    response = await client.patch(
        f"/v1/programs/{program['id']}",
        json={"partners": [{"organization_id": funder["id"], "role": "funder"}]},
    )

    assert response.status_code == 200, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"], e["details"]) for e in events] == [
        ("update", program["id"], {"fields": ["partners"]})
    ]


async def test_changing_group_members_is_one_update_of_the_group(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    first = await create_person(client)
    second = await create_person(client, full_name="Nurhayati Umar")
    group = await create_group(client, member_ids=[first["id"]])

    response = await client.patch(
        f"/v1/participants/{group['id']}", json={"member_ids": [first["id"], second["id"]]}
    )

    assert response.status_code == 200, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"], e["details"]) for e in events] == [
        ("update", group["id"], {"fields": ["member_ids"]})
    ]


async def test_group_with_members_leaves_one_create_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    person = await create_person(client)

    response = await client.post(
        "/v1/participants",
        json={"kind": "group", "name": "Kelompok Anyaman", "member_ids": [person["id"]]},
    )

    assert response.status_code == 201, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"]) for e in events] == [("create", response.json()["id"])]


async def test_project_area_change_is_one_update_listing_area_codes(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    await create_reference_areas(client)
    project = await create_project(client, area_codes=[SOFIFI])

    response = await client.patch(
        f"/v1/infrastructure-projects/{project['id']}",
        json={"area_codes": [], "progress_percent": 40},
    )

    assert response.status_code == 200, response.text
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["details"]) for e in events] == [
        ("update", {"fields": ["area_codes", "progress_percent"]})
    ]


async def test_consultation_create_is_one_event_not_also_a_project_update(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    project = await create_project(client)

    consultation = await create_consultation(client, project["id"])

    events = await read_events(resource_id=consultation["id"])
    same_request = await read_events(request_id=events[0]["request_id"])
    assert [(e["action"], e["resource_type"]) for e in same_request] == [("create", "consultation")]


async def test_patch_that_changes_nothing_still_leaves_an_update_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    organization = await create_organization(client)

    response = await client.patch(
        f"/v1/organizations/{organization['id']}", json={"name": organization["name"]}
    )

    assert response.status_code == 200
    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["details"]) for e in events] == [("update", {"fields": []})]


async def test_project_delete_records_its_cascaded_consultations_and_contributions(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    project = await create_project(client)
    consultation = await create_consultation(client, project["id"])
    contribution = await create_contribution(client, project["id"])

    response = await client.delete(f"/v1/infrastructure-projects/{project['id']}")

    assert response.status_code == 204
    events = await read_events(request_id=response.headers["Request-Id"])
    assert {(e["action"], e["resource_type"], e["resource_id"]) for e in events} == {
        ("delete", "infrastructure_project", project["id"]),
        ("delete", "consultation", consultation["id"]),
        ("delete", "contribution", contribution["id"]),
    }


async def test_program_delete_records_its_cascaded_enrollments(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    program = await create_program(client)
    person = await create_person(client)
    enrollment = await create_enrollment(client, program["id"], person["id"])

    response = await client.delete(f"/v1/programs/{program['id']}")

    assert response.status_code == 204
    events = await read_events(request_id=response.headers["Request-Id"])
    assert {(e["action"], e["resource_type"], e["resource_id"]) for e in events} == {
        ("delete", "program", program["id"]),
        ("delete", "enrollment", enrollment["id"]),
    }


async def test_person_delete_records_enrollments_and_the_groups_it_leaves(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    program = await create_program(client)
    person = await create_person(client)
    group = await create_group(client, member_ids=[person["id"]])
    enrollment = await create_enrollment(client, program["id"], person["id"])

    response = await client.delete(f"/v1/participants/{person['id']}")

    assert response.status_code == 204
    events = await read_events(request_id=response.headers["Request-Id"])
    described = {(e["action"], e["resource_id"], json.dumps(e["details"])) for e in events}
    assert described == {
        ("delete", person["id"], "{}"),
        ("delete", enrollment["id"], "{}"),
        ("update", group["id"], json.dumps({"fields": ["member_ids"]})),
    }


async def test_group_delete_is_one_delete_event(
    client: httpx.AsyncClient, read_events: EventReader
) -> None:
    person = await create_person(client)
    group = await create_group(client, member_ids=[person["id"]])

    response = await client.delete(f"/v1/participants/{group['id']}")

    events = await read_events(request_id=response.headers["Request-Id"])
    assert [(e["action"], e["resource_id"]) for e in events] == [("delete", group["id"])]


async def test_reads_leave_no_event(client: httpx.AsyncClient, read_events: EventReader) -> None:
    organization = await create_organization(client)

    response = await client.get(f"/v1/organizations/{organization['id']}")
    listed = await client.get("/v1/organizations")

    assert await read_events(request_id=response.headers["Request-Id"]) == []
    assert await read_events(request_id=listed.headers["Request-Id"]) == []
