"""Participants as the service sends them fit the schemas the document gives, each kind by its
`kind` discriminator, so a generated client parses a person and a group into their own models."""

import httpx

from tests.factories import create_group, create_person
from tests.openapi_schema import mismatches, response_schema

PARTICIPANT = "/v1/participants/{participant_id}"


async def test_created_read_updated_and_listed_participants_fit_the_document(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    person = await create_person(client, nik="8271014506860003", phone="081234567890")
    group = await create_group(client, [person["id"]])
    answers = [
        (response_schema(document, "/v1/participants", "post", "201"), person),
        (response_schema(document, "/v1/participants", "post", "201"), group),
    ]
    for created in (person, group):
        path = f"/v1/participants/{created['id']}"
        read = await client.get(path)
        updated = await client.patch(path, json={"area_code": None})
        assert (read.status_code, updated.status_code) == (200, 200)
        answers += [
            (response_schema(document, PARTICIPANT, "get", "200"), read.json()),
            (response_schema(document, PARTICIPANT, "patch", "200"), updated.json()),
        ]
    listed = await client.get("/v1/participants")
    answers.append((response_schema(document, "/v1/participants", "get", "200"), listed.json()))

    assert [found for schema, body in answers for found in mismatches(document, schema, body)] == []
    assert {item["kind"] for item in listed.json()["data"]} == {"person", "group"}
